"""VRL's values as Python values, and how they cross into `vector-vrl`'s runtime and back without losing type.

The runtime takes each event as JSON and hands back only the event's top-level fields, as Python values that
have lost their VRL type: a timestamp comes back as the text `2024-01-01 00:00:00 UTC`, a regex as its pattern,
and a nested object or array as a JSON string — all indistinguishable from strings a program set. So values
never travel that way here. Going in, a timestamp or a regex is written as a tagged object
(`{"@vrl": "timestamp", "v": <unix nanoseconds>}`, `{"@vrl": "regex", "v": <index>}`), and a prologue put
before the program turns each tag back into its value, at the places the batch has them
(`from_unix_timestamp`, or the batch's regex literals, since VRL cannot build a regex at run time). Coming
out, an epilogue tags every timestamp and regex and encodes the whole event, with its metadata, as one JSON
string, which `decode` reads back into `Timestamp` and `Regex`. So a timestamp stays a timestamp, with its
nanoseconds, from step to step. An object that really has an `@vrl` key of its own would be misread; no
Vector component writes one. Text in a document (a test's `log_fields`) is text, as Vector's YAML reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TAG = "@vrl"


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A VRL timestamp, kept as RFC 3339 text (Python's datetime would lose the nanoseconds)."""

    rfc3339: str

    def __str__(self) -> str:
        return self.rfc3339


@dataclass(frozen=True, slots=True)
class Regex:
    pattern: str

    def __str__(self) -> str:
        return self.pattern


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|z|[+-]\d\d:\d\d)$")


def _canonical_time(text: str) -> str:
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def unix_nanos(timestamp: Timestamp) -> int | None:
    """Nanoseconds since the epoch; None for text that is not RFC 3339."""
    match = _RFC3339.match(timestamp.rfc3339)
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    try:
        seconds = datetime.fromisoformat(whole + ("+00:00" if zone in ("Z", "z") else zone)).timestamp()
    except ValueError:
        return None
    return int(seconds) * 1_000_000_000 + int(((fraction or ".")[1:] + "000000000")[:9])


Place = tuple[str, tuple[str | int, ...]]  # "." (the event) or "%" (its metadata), and the path below it


def _vrl_path(root: str, path: tuple[str | int, ...]) -> str:
    """A VRL path: `."a"[0]."b"` below the event, `%"a"[0]."b"` below the metadata."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text or root == "." else "") + json.dumps(part)
    return root + text if root == "%" else (text or ".")


class Encoder:
    """JSON-ready data for the runtime, from the events of one batch, and the prologue that reads it: tagged
    timestamps and regexes are turned back into values at the places where this batch has them, one statement
    each (far cheaper to compile than walking every value with a closure)."""

    def __init__(self) -> None:
        self.regexes: list[str] = []
        self.places: dict[Place, None] = {}

    def encode(self, value: Any, root: str, at: tuple[str | int, ...] = ()) -> Any:
        if isinstance(value, Timestamp):
            nanos = unix_nanos(value)
            if nanos is None:
                return value.rfc3339
            self.places[(root, at)] = None
            return {TAG: "timestamp", "v": nanos}
        if isinstance(value, Regex):
            if value.pattern not in self.regexes:
                self.regexes.append(value.pattern)
            self.places[(root, at)] = None
            return {TAG: "regex", "v": self.regexes.index(value.pattern)}
        if isinstance(value, Mapping):
            return {k: self.encode(v, root, (*at, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.encode(v, root, (*at, i)) for i, v in enumerate(value)]
        return value

    def prologue(self, metadata: bool) -> str:
        """VRL that makes `.` and `%` the event and metadata encoded (`%` stays empty without `metadata`), and
        `__portal_case` the case the event is for (see `vrl_runtime.judge`)."""
        lines = ["__portal_in = .; __portal_case = __portal_in.case; . = object(__portal_in.event) ?? {}"]
        if metadata:
            lines.append("% = object(__portal_in.metadata) ?? {}")
        regexes = " else ".join(f"if P.v == {i} {{ P = r'{_quoted(p)}' }}" for i, p in enumerate(self.regexes))
        for root, path in self.places:
            place = _vrl_path(root, path)
            statement = (
                f'if is_object(P) && P."{TAG}" == "timestamp" {{ '
                'P = from_unix_timestamp(P.v, unit: "nanoseconds") ?? P }'
            )
            if self.regexes:
                statement += f' else if is_object(P) && P."{TAG}" == "regex" {{ {regexes} }}'
            lines.append(statement.replace("P", place))
        return "; ".join(lines) + "\n"


def decode(value: Any) -> Any:
    """What `encode`, or the epilogue, wrote, back as Python values with their VRL types."""
    if isinstance(value, dict):
        tag = value.get(TAG)
        if tag == "timestamp" and isinstance(value.get("v"), str) and len(value) == 2:
            return Timestamp(_canonical_time(value["v"]))
        if tag == "regex" and isinstance(value.get("v"), str) and len(value) == 2:
            return Regex(json.loads(value["v"]))
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def to_json(value: Any) -> Any:
    """For display and reports, as Vector encodes events as JSON: timestamps as RFC 3339, regexes as patterns."""
    if isinstance(value, Timestamp | Regex):
        return str(value)
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def epilogue() -> str:
    """VRL that replaces the event by one field: the JSON of the event and its metadata, tagged."""
    tag = (
        'map_values({"event": ., "metadata": %}, recursive: true) -> |__portal_v| { '
        'if is_timestamp(__portal_v) { {"' + TAG + '": "timestamp", '
        '"v": format_timestamp!(timestamp!(__portal_v), "%+")} } '
        'else if is_regex(__portal_v) { {"' + TAG + '": "regex", "v": encode_json(__portal_v)} } '
        "else { __portal_v } }"
    )
    return '\n. = {"@portal": encode_json(' + tag + ")}\n"
