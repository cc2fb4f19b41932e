"""VRL's values as Python values, and how they cross into `vector-vrl`'s runtime and back without losing type.

The runtime takes each event as JSON and hands back only the event's top-level fields, as Python values that
have lost their VRL type: a timestamp comes back as the text `2024-01-01 00:00:00 UTC`, a regex as its pattern,
and a nested object or array as a JSON string — all indistinguishable from strings a program set. So values
never travel that way here. Going in, a timestamp or a regex is written as a tagged object
(`{"@vrl": "timestamp", "v": "<RFC 3339>"}`, `{"@vrl": "regex", "v": <index>}`) and a prologue the program
is wrapped in turns tags back into VRL values (`parse_timestamp`, and the batch's regex literals, since VRL
cannot build a regex at run time). Coming out, an epilogue tags every timestamp and regex the same way and
encodes the whole event, with its metadata, as one JSON string, which `decode` reads back into `Timestamp`
and `Regex`. So a timestamp stays a timestamp, with its nanoseconds, from step to step. An object that
really has an `@vrl` key of its own would be misread; no Vector component writes one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
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


def _canonical_time(text: str) -> str:
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def from_yaml(value: Any) -> Any:
    """A value as a document gives it: YAML's timestamps (unquoted dates) become VRL timestamps."""
    if isinstance(value, datetime | date):
        text = value.isoformat()
        if isinstance(value, datetime) and value.tzinfo is None:
            text += "Z"
        return Timestamp(_canonical_time(text))
    if isinstance(value, Mapping):
        return {str(k): from_yaml(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_yaml(v) for v in value]
    return value


def encode(value: Any, regexes: list[str]) -> Any:
    """JSON-ready data for the runtime: timestamps and regexes tagged (a regex by its index in `regexes`)."""
    if isinstance(value, Timestamp):
        return {TAG: "timestamp", "v": value.rfc3339}
    if isinstance(value, Regex):
        if value.pattern not in regexes:
            regexes.append(value.pattern)
        return {TAG: "regex", "v": regexes.index(value.pattern)}
    if isinstance(value, Mapping):
        return {k: encode(v, regexes) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v, regexes) for v in value]
    return value


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


def prologue(regexes: list[str], metadata: bool = True) -> str:
    """VRL that makes `.` and `%` the event and metadata `encode` wrote, with their tags made values again, and
    `__portal_case` the case the event is for (see `vrl_runtime.judge`). Without `metadata`, `%` stays empty."""
    regex_values = " else ".join(f"if __portal_v.v == {i} {{ r'{_quoted(p)}' }}" for i, p in enumerate(regexes))
    regex_branch = f"{regex_values} else {{ __portal_v }}" if regexes else "__portal_v"
    untag = (
        "map_values(VALUE, recursive: true) -> |__portal_v| { "
        f'if is_object(__portal_v) && __portal_v."{TAG}" == "timestamp" {{ '
        'parse_timestamp(__portal_v.v, "%+") ?? __portal_v } '
        f'else if is_object(__portal_v) && __portal_v."{TAG}" == "regex" {{ {regex_branch} }} '
        "else { __portal_v } }"
    )
    event = untag.replace("VALUE", "object(__portal_in.event) ?? {}")
    text = f"__portal_in = .; __portal_case = __portal_in.case; . = {event}"
    if metadata:
        text += "; % = " + untag.replace("VALUE", "object(__portal_in.metadata) ?? {}")
    return text + "\n"


def epilogue(result: str = "null") -> str:
    """VRL that replaces the event by one field: the JSON of the event, its metadata and `result`, tagged."""
    tag = (
        'map_values({"event": ., "metadata": %, "result": ' + result + "}, recursive: true) -> |__portal_v| { "
        'if is_timestamp(__portal_v) { {"' + TAG + '": "timestamp", '
        '"v": format_timestamp!(timestamp!(__portal_v), "%+")} } '
        'else if is_regex(__portal_v) { {"' + TAG + '": "regex", "v": encode_json(__portal_v)} } '
        "else { __portal_v } }"
    )
    return '\n. = {"@portal": encode_json(' + tag + ")}\n"
