"""Pipelines → plain Vector configs, byte-identical for the same input on any machine.

Keys are sorted at every level, top-level global options come first and the sections follow in the order
sources → transforms → sinks, `inputs` are sorted, aliases become Vector's current type names. The header
comment names the pipelines and the commit and carries the `sha256:` of the body; it is a comment because
Vector rejects unknown keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from reconciler.herald.catalog import KIND_OF_SECTION, SECTIONS, Catalog
from reconciler.herald.components import Component, section_components
from reconciler.model.kinds import Pipeline

HASH_PREFIX = "sha256:"


def pipeline_config_file(pipeline: str) -> str:
    """The file name of one pipeline's own Vector config in compile's output."""
    return f"{pipeline}.vector.yaml"


# libyaml's emitter when PyYAML has it (every wheel does): ten times faster than the pure-Python one.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ConfigDumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """Block style, no anchors, multi-line strings (VRL) as literal blocks so they read like the source."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ConfigDumper.add_representer(str, _represent_str)


def component_config(component: Component, catalog: Catalog) -> dict[str, Any]:
    body = dict(component.body)
    ctype = catalog.lookup(component.kind, component.type_name)
    if ctype is not None:
        body["type"] = ctype.name
    if component.kind != "source":
        body["inputs"] = sorted(set(component.inputs))
    return body


def vector_config(pipeline: Pipeline, catalog: Catalog) -> dict[str, Any]:
    """The Vector config of one pipeline, as data."""
    config: dict[str, Any] = dict(pipeline.global_options)
    sections = {"sources": pipeline.sources, "transforms": pipeline.transforms, "sinks": pipeline.sinks}
    for component in section_components(sections):
        config.setdefault(component.section, {})[component.id] = component_config(component, catalog)
    return config


def dump_yaml(value: Mapping[str, Any], sort_keys: bool = True) -> str:
    """Deterministic block YAML: sorted keys, no anchors, no line wrapping, literal multi-line strings."""
    return yaml.dump(
        dict(value),
        Dumper=_ConfigDumper,
        sort_keys=sort_keys,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,
        line_break="\n",
    )


def render_body(config: Mapping[str, Any]) -> str:
    """The YAML of a config: global options (sorted), then each non-empty section in pipeline order."""
    globals_ = {k: v for k, v in config.items() if k not in KIND_OF_SECTION}
    parts = [dump_yaml(globals_)] if globals_ else []
    parts += [dump_yaml({section: config[section]}) for section in SECTIONS if config.get(section)]
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class RenderedConfig:
    text: str  # header + body: what is written to files and ConfigMaps
    body_hash: str  # "sha256:<hex>" of the body alone: stable when only the commit changes


def render_config(config: Mapping[str, Any], pipelines: Sequence[str], commit: str | None = None) -> RenderedConfig:
    """Header + body. `commit` names where the config came from; leave it out where a commit alone must not
    change the text (a ConfigMap would otherwise be rewritten on every commit)."""
    body = render_body(config)
    body_hash = HASH_PREFIX + hashlib.sha256(body.encode("utf-8")).hexdigest()
    header = [
        "# Vector config compiled by Butler Portal; do not edit: change the Pipeline documents instead.",
        f"# pipelines: {', '.join(sorted(pipelines))}",
        *([f"# commit: {commit}"] if commit else []),
        f"# {body_hash}",
    ]
    return RenderedConfig("\n".join(header) + "\n" + body, body_hash)
