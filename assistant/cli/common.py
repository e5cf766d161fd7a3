"""The engine and the corpus as the commands open them: the same data the page answers from."""

from __future__ import annotations

from pathlib import Path

from ..settings import Settings
from .args import progress_to_stderr


def open_cli_engine(settings: Settings | None = None, *, index_dir: Path | None = None, force: bool = False):
    """The engine over the configured tables and the store, with build progress on stderr."""
    # Imported here: opening the engine loads the model, which many commands never need.
    from ..engine import open_engine

    settings = settings or Settings.from_env()
    return open_engine(settings, index_dir=index_dir, progress=progress_to_stderr, force=force)


def configured_corpus(settings: Settings | None = None):
    """The configured tables AND the cases imported into the store, as assistant.engine reads
    them for the page and search: a command without the model must not lose imported cases."""
    from ..corpus import load_corpus
    from ..store import store_path

    settings = settings or Settings.from_env()
    return load_corpus(settings.tables, store_file=store_path(settings.home))
