"""An existing Vector config → a Pipeline document.

Accepts a Vector config (TOML, YAML or JSON), Helm values with `customConfig` (the vector chart's), or a Flux
HelmRelease holding such values; `customConfig` is rendered as the chart's `tpl` renders it. YAML and JSON are
read by the loader every YAML input goes through, with its limits. Top-level options other than the sections
become `spec.global`; every `${VAR}` the config uses is declared in `spec.env` from a Secret named after the
pipeline, because the importer cannot know which values are safe to write into Git.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler import API_VERSION
from reconciler.herald.catalog import SECTIONS
from reconciler.herald.compile import dump_yaml
from reconciler.herald.config_formats import FormatError, detect_format, read_json, read_toml
from reconciler.herald.helm_tpl import UnrenderedAction, render_values
from reconciler.herald.interpolation import references, strings
from reconciler.load.yaml_documents import parse_documents
from reconciler.model import Document, Location

# Parts of a Vector config that are not options of the running topology.
_NOT_GLOBAL = frozenset({*SECTIONS, "tests"})
_KIND_OF_VALUE = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


class ImportFailure(Exception):
    """The input is not a Vector config we can read; the message says why, and `location` where if known."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.location = location


@dataclass(frozen=True, slots=True)
class ImportRequest:
    name: str
    team: str
    target: str | None = None  # "env=prd,region=eu" (labels) or "prd-eu-1,prd-us-1" (cluster names)
    role: str = "agent"


def _parse(text: str, path: str) -> list[Document]:
    """The input's mappings. TOML has no aliases to expand; YAML and JSON (which YAML reads) go through the
    loader and the limits every YAML input gets, after JSON has been checked to be JSON."""
    format_ = detect_format(text, path)
    try:
        if format_ == "toml":
            return [Document(path, 0, read_toml(text), {})]
        if format_ == "json":
            read_json(text)
    except FormatError as exc:
        raise ImportFailure(str(exc), Location(path, *exc.position) if exc.position else None) from exc
    except RecursionError:
        pass  # deeper than the JSON parser goes: the loader says where its nesting limit is crossed
    parsed, problems = parse_documents(text, path)
    if problems:
        raise ImportFailure(problems[0].message, problems[0].location)
    return [Document(path, p.index, p.value, p.positions) for p in parsed if isinstance(p.value, Mapping)]


def _mapping_at(document: Document, *keys: str, required: bool = False) -> Mapping[str, Any] | None:
    """The mapping at `keys`; None when a part is absent and not `required`. Anything else is a located error."""
    value: Any = document.body
    for depth, key in enumerate(keys):
        value = value.get(key)
        if isinstance(value, Mapping):
            continue
        if value is None and not required:
            return None
        found = "nothing" if value is None else _KIND_OF_VALUE.get(type(value), "a scalar")
        where = keys[: depth + 1]
        raise ImportFailure(
            f"{document.kind}: {'.'.join(where)} must be a mapping; found {found}", document.location(*where)
        )
    return value


def _vector_config(document: Document) -> Mapping[str, Any] | None:
    """The Vector config inside one document, whichever wrapper it comes in."""
    values = document.body
    if document.kind == "HelmRelease":
        _mapping_at(document, "spec", required=True)
        values = _mapping_at(document, "spec", "values")
        if values is None:
            return None
    custom = values.get("customConfig")
    if isinstance(custom, Mapping):
        try:
            return render_values(custom, ("customConfig",))
        except UnrenderedAction as exc:
            path = (*(("spec", "values") if document.kind == "HelmRelease" else ()), *exc.path)
            raise ImportFailure(_unrendered(exc), document.location(*path)) from exc
    if any(section in values for section in SECTIONS):
        return values
    return None


def find_vector_config(text: str, path: str = "-") -> Mapping[str, Any]:
    """The Vector config in a file's text; `path` names it in messages, and its suffix, when known, tells the
    format."""
    for document in _parse(text, path):
        config = _vector_config(document)
        if config is not None:
            return config
    raise ImportFailure(
        "no Vector config found: expected sources/transforms/sinks, Helm values with customConfig, "
        "or a HelmRelease whose spec.values holds customConfig"
    )


def _unrendered(exc: UnrenderedAction) -> str:
    where = ".".join(str(p) for p in exc.path)
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


def import_pipeline(text: str, request: ImportRequest, path: str = "-") -> tuple[str, list[str]]:
    """The Pipeline document's YAML, and the top-level keys that were left out; `path` names the input in
    messages."""
    config = find_vector_config(text, path)
    return render_document(pipeline_document(config, request)), left_out(config)
