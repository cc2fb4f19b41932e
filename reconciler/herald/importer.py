"""An existing Vector config → a Pipeline document.

Accepts a Vector config (TOML, YAML or JSON), Helm values with `customConfig` (the vector chart's), or a Flux
HelmRelease holding such values; `customConfig` is rendered as the chart's `tpl` renders it. YAML and JSON are
read by the loader every YAML input goes through, with its limits. Top-level options other than the sections
become `spec.global` (but `data_dir`: each cluster's Vector has its own); every `${VAR}` the config uses is
declared in `spec.env` from a Secret named after the pipeline, because the importer cannot know which values are
safe to write into Git. A prefix renames component ids and variables, so that two imports of configs written
with the same ids can run in one Vector on a shared cluster. Vector's unit tests (`tests`) become `spec.tests`,
and a remap's `file:` program is read at import time (relative to the imported file) and written as its
`source`, since the cluster's Vector has no such file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler import API_VERSION
from reconciler.herald.catalog import SECTIONS
from reconciler.herald.compile import dump_yaml
from reconciler.herald.config_formats import FormatError, detect_format, read_json, read_toml
from reconciler.herald.helm_tpl import UnrenderedAction, render_values
from reconciler.herald.interpolation import VARIABLE_REFERENCE, references, strings
from reconciler.load.yaml_documents import parse_documents
from reconciler.model import Document, Location

SCHEMA_HEADER = "# yaml-language-server: $schema=https://butlerlabs.dev/schemas/portal/v1alpha1/pipeline.schema.json\n"
# Parts of a Vector config the Pipeline does not carry, and why.
_LEFT_OUT = {
    "data_dir": "each cluster's Vector config sets its own",
}
_NOT_GLOBAL = frozenset({*SECTIONS, *_LEFT_OUT, "tests"})
# What a prefix may be: it starts component ids (letters, digits, '_', '-') and, upper-cased with '-' as '_',
# variable names (upper-case letters, digits, '_'; no digit first).
PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
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
    prefix: str = ""  # component ids become `<prefix>_<id>`, variables `<PREFIX>_<VAR>`


@dataclass(frozen=True, slots=True)
class Renaming:
    """How a prefix renames what two configs on one Vector must not share: component ids and variables."""

    prefix: str = ""

    def component(self, reference: str) -> str:
        """A component id, or an input naming one (`id`, `id.output`, `app_*`): the id leads."""
        return f"{self.prefix}_{reference}" if self.prefix else reference

    def variable(self, name: str) -> str:
        return f"{self.prefix.upper().replace('-', '_')}_{name}" if self.prefix else name

    def text(self, text: str) -> str:
        """`text` with every `${VAR}` (and `$VAR`, `${VAR:-default}`, …) renamed; `$$` stays a literal `$`."""
        if not self.prefix or "$" not in text:
            return text

        def rename(match: re.Match[str]) -> str:
            whole, braced, bare = match.group(0), match.group(1), match.group(3)
            if braced:  # `${NAME` then the operator and default or message, kept as written
                return "${" + self.variable(braced) + whole[2 + len(braced) :]
            if bare:
                return "$" + self.variable(bare)
            return whole

        return VARIABLE_REFERENCE.sub(rename, text)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


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


def _env(config: Mapping[str, Any], pipeline: str, renaming: Renaming) -> list[dict[str, Any]]:
    """One entry per variable the config uses, read from the pipeline's Secret under the name the config used."""
    names = sorted({ref.name for _, text in strings(config) for ref in references(text)})
    secret = f"{pipeline}-env"
    return [{"name": renaming.variable(name), "secretRef": {"name": secret, "key": name}} for name in names]


# Reads a file named in the config (a remap's `file`), relative to the imported file: its text, or raises OSError.
ReadFile = Callable[[str], str]


def _inline_program(component: dict[str, Any], label: str, read_file: ReadFile | None) -> None:
    """A remap's `file:` program written into `source`."""
    file_name = component.get("file")
    if component.get("type") != "remap" or not isinstance(file_name, str) or "source" in component:
        return
    if read_file is None:
        raise ImportFailure(f"{label}.file: cannot read {file_name}: no files are read here")
    try:
        component["source"] = read_file(file_name)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ImportFailure(f"{label}.file: cannot read {file_name}: {reason}") from exc
    del component["file"]


def _components(
    section_name: str, section: Mapping[str, Any], renaming: Renaming, read_file: ReadFile | None
) -> dict[str, Any]:
    result = {}
    for cid, body in section.items():
        component = dict(body) if isinstance(body, Mapping) else {"type": body}
        _inline_program(component, f"{section_name}.{cid}", read_file)
        inputs = component.get("inputs")
        if isinstance(inputs, str):
            inputs = [inputs]
        if isinstance(inputs, list):
            component["inputs"] = [renaming.component(i) if isinstance(i, str) else i for i in inputs]
        result[renaming.component(str(cid))] = renaming.value(component)
    return result


def _references(value: Any, renaming: Renaming) -> Any:
    if isinstance(value, str):
        return renaming.component(value)
    if isinstance(value, list):
        return [renaming.component(v) if isinstance(v, str) else v for v in value]
    return value


def _tests(tests: list[Any], renaming: Renaming) -> list[Any]:
    """Vector's unit tests, with the components they name renamed as the components are."""
    renamed = []
    for test in tests:
        if not isinstance(test, Mapping):
            renamed.append(test)
            continue
        test = dict(test)
        inputs = [test["input"]] if isinstance(test.get("input"), Mapping) else []
        inputs += [i for i in test.get("inputs") or [] if isinstance(i, Mapping)]
        renamed_inputs = {id(i): {**i, "insert_at": _references(i.get("insert_at"), renaming)} for i in inputs}
        if isinstance(test.get("input"), Mapping):
            test["input"] = renamed_inputs[id(test["input"])]
        if isinstance(test.get("inputs"), list):
            test["inputs"] = [renamed_inputs.get(id(i), i) for i in test["inputs"]]
        if isinstance(test.get("outputs"), list):
            test["outputs"] = [
                {**o, "extract_from": _references(o.get("extract_from"), renaming)} if isinstance(o, Mapping) else o
                for o in test["outputs"]
            ]
        if "no_outputs_from" in test:
            test["no_outputs_from"] = _references(test["no_outputs_from"], renaming)
        renamed.append(test)
    return renamed


def pipeline_document(
    config: Mapping[str, Any], request: ImportRequest, read_file: ReadFile | None = None
) -> dict[str, Any]:
    renaming = Renaming(request.prefix)
    spec: dict[str, Any] = {"team": request.team}
    if request.target:
        spec["targets"] = [parse_target(request.target, request.role)]
    env = _env(config, request.name, renaming)
    if env:
        spec["env"] = env
    global_options = {k: renaming.value(v) for k, v in config.items() if k not in _NOT_GLOBAL}
    if global_options:
        spec["global"] = global_options
    for section in SECTIONS:
        entries = config.get(section)
        if isinstance(entries, Mapping) and entries:
            spec[section] = _components(section, entries, renaming, read_file)
    tests = config.get("tests")
    if isinstance(tests, list) and tests:
        spec["tests"] = _tests(tests, renaming)
    return {"apiVersion": API_VERSION, "kind": "Pipeline", "metadata": {"name": request.name}, "spec": spec}


def render_document(document: Mapping[str, Any]) -> str:
    """In the order people write it: the schema line editors read, then apiVersion, kind, metadata, spec;
    components as the config had them."""
    return SCHEMA_HEADER + dump_yaml(document, sort_keys=False)


def left_out(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Top-level parts of the config the Pipeline does not carry, each with the reason."""
    return sorted((key, _LEFT_OUT[key]) for key in config if key in _LEFT_OUT)


def import_pipeline(
    text: str, request: ImportRequest, path: str = "-", read_file: ReadFile | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """The Pipeline document's YAML, and the top-level keys that were left out (with why); `path` names the
    input in messages, `read_file` reads the files the config names (None: there are none to read)."""
    config = find_vector_config(text, path)
    return render_document(pipeline_document(config, request, read_file)), left_out(config)
