"""An existing Vector config → a Pipeline document.

Accepts a Vector config (TOML, YAML or JSON), Helm values with `customConfig` (the vector chart's), or a Flux
HelmRelease holding such values; `customConfig` is rendered as the chart's `tpl` renders it. Top-level options
other than the sections become `spec.global`; every `${VAR}` the config uses is declared in `spec.env` from a
Secret named after the pipeline, because the importer cannot know which values are safe to write into Git.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from reconciler import API_VERSION
from reconciler.herald.catalog import SECTIONS
from reconciler.herald.compile import dump_yaml
from reconciler.herald.config_formats import FormatError, detect_format, read_json, read_toml
from reconciler.herald.helm_tpl import UnrenderedAction, render_values
from reconciler.herald.interpolation import references, strings

# Parts of a Vector config that are not options of the running topology.
_NOT_GLOBAL = frozenset({*SECTIONS, "tests"})


class ImportFailure(Exception):
    """The input is not a Vector config we can read; the message says why."""


@dataclass(frozen=True, slots=True)
class ImportRequest:
    name: str
    team: str
    target: str | None = None  # "env=prd,region=eu" (labels) or "prd-eu-1,prd-us-1" (cluster names)
    role: str = "agent"


def _parse(text: str, name: str | None = None) -> list[Any]:
    try:
        match detect_format(text, name):
            case "toml":
                return [read_toml(text)]
            case "json":
                return [read_json(text)]
    except FormatError as exc:
        raise ImportFailure(str(exc)) from exc
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ImportFailure(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc


def _vector_config(document: Any) -> Mapping[str, Any] | None:
    """The Vector config inside one document, whichever wrapper it comes in."""
    if not isinstance(document, Mapping):
        return None
    if document.get("kind") == "HelmRelease":
        values = document.get("spec", {}).get("values", {})
        return _vector_config(values) if isinstance(values, Mapping) else None
    custom = document.get("customConfig")
    if isinstance(custom, Mapping):
        return render_values(custom, ("customConfig",))
    if any(section in document for section in SECTIONS):
        return document
    return None


def find_vector_config(text: str, name: str | None = None) -> Mapping[str, Any]:
    """The Vector config in a file's text; `name` (the file's) tells its format when it has a known suffix."""
    for document in _parse(text, name):
        try:
            config = _vector_config(document)
        except UnrenderedAction as exc:
            raise ImportFailure(_unrendered(exc, text)) from exc
        if config is not None:
            return config
    raise ImportFailure(
        "no Vector config found: expected sources/transforms/sinks, Helm values with customConfig, "
        "or a HelmRelease whose spec.values holds customConfig"
    )


def _unrendered(exc: UnrenderedAction, text: str) -> str:
    where = ".".join(str(p) for p in exc.path)
    offset = text.find(exc.action)
    if offset >= 0:
        line = text.count("\n", 0, offset) + 1
        where += f" at line {line}, column {offset - text.rfind(chr(10), 0, offset)}"
    return (
        f"{where}: `{exc.action}` is a Helm template action import cannot render (the chart renders customConfig "
        "with `tpl`); write Vector's own templates escaped, as {{`{{ field }}`}}"
    )


def parse_target(selector: str, role: str) -> dict[str, Any]:
    pairs = [part.strip() for part in selector.split(",") if part.strip()]
    if not pairs:
        raise ImportFailure("--target is empty")
    if all("=" in p for p in pairs):
        labels = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            labels[key.strip()] = value.strip()
        return {"clusters": {"matchLabels": labels}, "role": role}
    if any("=" in p for p in pairs):
        raise ImportFailure("--target mixes labels (k=v) and cluster names; use one or the other")
    return {"clusters": {"names": pairs}, "role": role}


def _env(config: Mapping[str, Any], pipeline: str) -> list[dict[str, Any]]:
    names = sorted({ref.name for _, text in strings(config) for ref in references(text)})
    secret = f"{pipeline}-env"
    return [{"name": name, "secretRef": {"name": secret, "key": name}} for name in names]


def _normalise_inputs(section: Mapping[str, Any]) -> dict[str, Any]:
    result = {}
    for cid, body in section.items():
        component = dict(body) if isinstance(body, Mapping) else {"type": body}
        if isinstance(component.get("inputs"), str):
            component["inputs"] = [component["inputs"]]
        result[str(cid)] = component
    return result


def pipeline_document(config: Mapping[str, Any], request: ImportRequest) -> dict[str, Any]:
    spec: dict[str, Any] = {"team": request.team}
    if request.target:
        spec["targets"] = [parse_target(request.target, request.role)]
    env = _env(config, request.name)
    if env:
        spec["env"] = env
    global_options = {k: v for k, v in config.items() if k not in _NOT_GLOBAL}
    if global_options:
        spec["global"] = global_options
    for section in SECTIONS:
        entries = config.get(section)
        if isinstance(entries, Mapping) and entries:
            spec[section] = _normalise_inputs(entries)
    return {"apiVersion": API_VERSION, "kind": "Pipeline", "metadata": {"name": request.name}, "spec": spec}


def render_document(document: Mapping[str, Any]) -> str:
    """In the order people write it: apiVersion, kind, metadata, spec; components as the config had them."""
    return dump_yaml(document, sort_keys=False)


def left_out(config: Mapping[str, Any]) -> list[str]:
    """Top-level parts of the config the Pipeline does not carry (Vector's own unit tests)."""
    return sorted(key for key in config if key in _NOT_GLOBAL and key not in SECTIONS)


def import_pipeline(text: str, request: ImportRequest, name: str | None = None) -> tuple[str, list[str]]:
    """The Pipeline document's YAML, and the top-level keys that were left out."""
    config = find_vector_config(text, name)
    return render_document(pipeline_document(config, request)), left_out(config)
