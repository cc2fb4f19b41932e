"""`--watch PATH`: a change to the working tree wakes the cycle (watchfiles debounces a burst of saves)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import watchfiles

DEBOUNCE_MS = 300


def watch_tree(root: Path, wake: Callable[[], None], stop: threading.Event) -> None:
    """Call `wake` after each batch of changes under `root` until `stop` is set; runs in its own thread."""
    for _changes in watchfiles.watch(root, debounce=DEBOUNCE_MS, stop_event=stop, raise_interrupt=False):
        wake()
