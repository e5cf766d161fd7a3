"""SudachiPy tokenizers, one per thread.

A SudachiPy Tokenizer refuses to be used by two threads at once ("Tokenizer is already in
use"), and Streamlit answers every browser session in its own thread. The dictionary (the
slow part to load, memory-mapped) is shared; each thread gets its own cheap tokenizer on it.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_per_thread = threading.local()


@functools.lru_cache(maxsize=1)
def _dictionary() -> Any:
    # Loaded once per process (about 0.1 s); the dictionary ships in the sudachidict-core wheel.
    from sudachipy import Dictionary

    return Dictionary()


def tokenizer() -> Any:
    """This thread's SudachiPy tokenizer (split mode C: the longest units, e.g. 受給者証)."""
    found = getattr(_per_thread, "tokenizer", None)
    if found is None:
        from sudachipy import SplitMode

        found = _per_thread.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return found
