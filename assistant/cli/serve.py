"""`python -m assistant serve [--address A] [--port P]`: start the page, on any OS, without make.

Runs `streamlit run serve.py` (the page behind the password gate, ui/gate_server.py) through
this very Python (`sys.executable -m streamlit`), so it works
the same from a venv on Windows (`.venv\\Scripts\\python -m assistant serve`) or Linux, and with
the installed `zenrei` script. The options of .streamlit/config.toml are passed on the command
line too, so they hold from any working folder; the file watcher is off (users do not edit the
code, and on Linux it floods the log with "Inotify queue overflowed").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from ..settings import REPO_ROOT

APP = REPO_ROOT / "serve.py"  # app.py behind the gate: uploads and downloads only after the password
CONFIG = REPO_ROOT / ".streamlit" / "config.toml"
DEFAULT_PORT = 8501
# Held where config.toml is missing (an installed package has none): no browser opened on the
# server, nothing sent to Streamlit's usage statistics, no developer menu. config.toml wins.
USER_DEFAULTS = {"server.headless": True, "browser.gatherUsageStats": False, "client.toolbarMode": "viewer"}
# Always: users do not edit the code, so nothing is watched or reloaded.
NO_WATCHER = {"server.fileWatcherType": "none"}


def _flag_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def config_options(path: Path = CONFIG) -> dict[str, object]:
    """config.toml as Streamlit's dotted option names ({"server.address": "127.0.0.1", …})."""
    if not path.is_file():
        return {}
    with path.open("rb") as file:
        config = tomllib.load(file)
    return {
        f"{section}.{key}": value
        for section, options in config.items()
        if isinstance(options, dict)
        for key, value in options.items()
    }


def streamlit_command(address: str | None = None, port: int | None = None, config: Path = CONFIG) -> list[str]:
    """The command serve runs: the user defaults, config.toml's options, then --address/--port."""
    options = {**USER_DEFAULTS, **config_options(config), **NO_WATCHER}
    if address is not None:
        options["server.address"] = address
    options.setdefault("server.address", "127.0.0.1")  # local use unless asked otherwise
    options["server.port"] = port if port is not None else options.get("server.port", DEFAULT_PORT)
    command = [sys.executable, "-m", "streamlit", "run", str(APP)]
    for name, value in options.items():
        command += [f"--{name}", _flag_value(value)]
    return command


def cmd_serve(args: argparse.Namespace) -> int:
    command = streamlit_command(args.address, args.port)
    address, port = command[command.index("--server.address") + 1], command[command.index("--server.port") + 1]
    print(f"Zenrei を http://{address}:{port} で開きます。止めるには Ctrl+C (open this URL; Ctrl+C stops)", flush=True)
    # The user's working folder is kept: relative paths in ZENREI_DATA mean what they typed.
    if os.name == "posix":
        # Streamlit takes this process's place, so a stop signal (Ctrl+C, systemd, kill) reaches
        # the server itself and no orphan keeps the port.
        os.execv(sys.executable, command)
    try:  # Windows: exec would detach from the console; wait for the child instead
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"ポート番号「{value}」は 1〜65535 で指定してください (port 1-65535)")
    return number


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="ページを起動する (start the Streamlit page; Windows too, no make)",
        description="Zenrei のページを起動します。既定では http://127.0.0.1:8501 で、この PC からだけ開けます。",
    )
    parser.add_argument(
        "--address",
        "--server.address",
        dest="address",
        help="待ち受けるアドレス (default 127.0.0.1; 0.0.0.0 for a LAN, see README)",
    )
    parser.add_argument(
        "--port", "--server.port", dest="port", type=_port, help=f"ポート番号 (default {DEFAULT_PORT})"
    )
    parser.set_defaults(func=cmd_serve)
