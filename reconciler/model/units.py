"""Kubernetes quantities and Go durations, as Butler's CRDs take them.

Durations are computed by durationpy, after checking Go's grammar (durationpy also takes `4d` and `1h 30m`,
which Go's time.ParseDuration refuses). Quantities are not parsed by kubernetes.utils.parse_quantity: importing
it loads the whole Kubernetes client (~0.18 s on every validation that checks a quota), and it takes `NaN`,
`Infinity` and `1K`, which the API server refuses.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_QUANTITY = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
}
_GO_DURATION = re.compile(r"[+-]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+)")


def parse_quantity(text: str | int | float) -> Decimal:
    """`4Gi` → 4294967296, `500m` → 0.5. Raises ValueError with the reason."""
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (e.g. 500m, 2, 4Gi)")
    number, exponent, suffix = match.groups()
    try:
        value = Decimal(number + (exponent or ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid numbers
        raise ValueError(f"{text!r} is not a number") from exc
    if suffix in _BINARY:
        return value * _BINARY[suffix]
    if suffix in _DECIMAL:
        return value * _DECIMAL[suffix]
    return value


def parse_duration(text: str) -> float:
    """Go's time.ParseDuration (`1h30m`, `90s`, `0`) → seconds. Raises ValueError with the reason."""
    import durationpy  # only a check that reads a duration pays for it

    text = str(text).strip()
    if not _GO_DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration (e.g. 30m, 4h, 1h30m)")
    return float(durationpy.from_str(text).total_seconds())
