"""What a codec decodes to or encodes from: a source's `decoding.codec` and a sink's `encoding.codec` decide
which event kinds flow (Vector's `output_type` / `input_type` of each codec)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ALL = frozenset({"logs", "metrics", "traces"})
_LOGS = frozenset({"logs"})  # every codec not listed below
_DECODED: Mapping[str, frozenset[str]] = {
    "native": _ALL,
    "native_json": _ALL,
    "influxdb": frozenset({"metrics"}),
    "otlp": frozenset({"logs", "traces"}),
}
_ENCODED: Mapping[str, frozenset[str]] = {
    "json": _ALL,
    "native": _ALL,
    "native_json": _ALL,
    "text": frozenset({"logs", "metrics"}),
    "otlp": frozenset({"logs", "traces"}),
    "protobuf": frozenset({"logs", "traces"}),
}


def _codec(options: Mapping[str, Any], block: str) -> str | None:
    """The codec a component names, or None when unset or only known at run time (`${VAR}`)."""
    settings = options.get(block)
    codec = settings.get("codec") if isinstance(settings, Mapping) else None
    return codec if isinstance(codec, str) and "$" not in codec else None


def decoded_kinds(options: Mapping[str, Any]) -> frozenset[str] | None:
    """The kinds a source's decoder makes, or None when its options do not say."""
    codec = _codec(options, "decoding")
    return None if codec is None else _DECODED.get(codec, _LOGS)


def encoded_kinds(options: Mapping[str, Any]) -> frozenset[str] | None:
    """The kinds a sink's encoder takes, or None when its options do not say."""
    codec = _codec(options, "encoding")
    return None if codec is None else _ENCODED.get(codec, _LOGS)
