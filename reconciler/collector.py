"""Keeping long-lived objects out of the cyclic garbage collector's walks."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Loading builds ~10^6 acyclic objects that live as long as the cache (building the model, ~10^5 that live
    as long as the validation): the cyclic collector would walk them while they are made, and walk them all once
    more on its next pass. Objects created inside are moved out of its sight (refcounting still frees them when
    they are dropped)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
