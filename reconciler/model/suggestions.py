"""The "did you mean" of every message that names something unknown: the closest known name, if one is close."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# difflib's ratio: 0.6 keeps one- and two-letter typos of names longer than four characters and drops the rest.
CUTOFF = 0.6


def closest(word: str, choices: Iterable[object]) -> str | None:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=CUTOFF)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[object]) -> str:
    """`; did you mean 'team'?` to append to a message, or nothing when no choice is close."""
    close = closest(word, choices)
    return f"; did you mean {close!r}?" if close else ""
