"""What a function was called with, for tests that assert which work a run did again and which it remembered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def record_calls[Noted](
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    name: str,
    noted: Callable[..., Noted],
    into: list[Noted] | None = None,
) -> list[Noted]:
    """Replace `owner.name` for the test by a function that appends `noted(*args)` to the returned list (`into`,
    when several functions share one, in call order), then calls the original with the same arguments."""
    calls: list[Noted] = [] if into is None else into
    original = getattr(owner, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(noted(*args, **kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls
