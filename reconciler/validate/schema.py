"""Each document against the JSON Schema of its kind, with errors placed at the offending value."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.model import Diagnostic, Document, error, rules
from reconciler.model.document import dotted
from reconciler.model.suggestions import did_you_mean
from reconciler.resources import schemas_dir

if TYPE_CHECKING:
    import jsonschema_rs


def _version_refusal(value: object) -> str | None:
    from reconciler.keeper.semver import InvalidVersion, parse_version

    if not isinstance(value, str):
        return None
    try:
        parse_version(value)
    except InvalidVersion as exc:
        return str(exc)
    return None


# Patterns whose refusal a parser explains better than the schema's description: why, and how to fix it.
_EXPLAINED_PATTERNS = {"/$defs/semver/pattern": _version_refusal}


def _schema_files(root: Path) -> list[Path]:
    return sorted(root.glob("*.schema.json"))


class SchemaSet:
    """The kind schemas, compiled once; `fingerprint` changes whenever any schema does (it keys the cache)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or schemas_dir()
        self.documents: dict[str, Mapping[str, Any]] = {}
        for path in _schema_files(self.root):
            schema = json.loads(path.read_text(encoding="utf-8"))
            self.documents[schema.get("$id", path.name)] = schema
        self.fingerprint = hashlib.sha256(
            json.dumps(self.documents, sort_keys=True).encode(), usedforsecurity=False
        ).hexdigest()[:16]
        self._validators: dict[str, jsonschema_rs.Validator] = {}

    @cached_property
    def _registry(self) -> jsonschema_rs.Registry:
        import jsonschema_rs  # a run whose files are all cached never needs it

        return jsonschema_rs.Registry(list(self.documents.items()))

    @cached_property
    def _schema_of_kind(self) -> dict[str, Mapping[str, Any]]:
        by_kind = {}
        for schema in self.documents.values():
            kind = schema.get("properties", {}).get("kind", {}).get("const")
            if kind:
                by_kind[kind] = schema
        return by_kind

    def validator(self, kind: str) -> jsonschema_rs.Validator | None:
        """The compiled schema of `kind`, compiled on first use: a one-file edit compiles one schema, not all."""
        if kind not in self._validators:
            schema = self._schema_of_kind.get(kind)
            if schema is None:
                return None
            import jsonschema_rs

            self._validators[kind] = jsonschema_rs.validator_for(schema, registry=self._registry, validate_formats=True)
        return self._validators[kind]

    def compile_all(self) -> None:
        """Compile every schema now (before forking workers, so that they inherit them)."""
        for kind in self._schema_of_kind:
            self.validator(kind)

    def _keyword_parent(self, keyword_location: str | None) -> Mapping[str, Any]:
        """The schema object holding the keyword that failed (for its description or its properties)."""
        if not keyword_location or "#" not in keyword_location:
            return {}
        uri, pointer = keyword_location.split("#", 1)
        node: Any = self.documents.get(uri)
        for part in pointer.strip("/").split("/")[:-1]:
            if not isinstance(node, Mapping):
                return {}
            node = node.get(part.replace("~1", "/").replace("~0", "~"))
        return node if isinstance(node, Mapping) else {}

    def check(self, doc: Document) -> list[Diagnostic]:
        validator = self.validator(doc.kind)
        if validator is None:
            return []
        import jsonschema_rs

        kinds = jsonschema_rs.ValidationErrorKind
        findings: list[Diagnostic] = []
        for problem in validator.iter_errors(doc.body):
            path = tuple(problem.instance_path)
            message = problem.message
            if isinstance(problem.kind, kinds.AdditionalProperties):
                allowed = self._keyword_parent(problem.absolute_keyword_location).get("properties", {})
                for key in problem.kind.unexpected:
                    hint = did_you_mean(key, allowed)
                    where = doc.location(*path, key)
                    message = f"{dotted((*path, key))}: unknown field {key!r}{hint}"
                    findings.append(error(message, where, doc.subject, rule=rules.SCHEMA))
                continue
            if isinstance(problem.kind, kinds.Type):
                message = _scalar_for_string(problem.instance, problem.kind.types) or message
            if isinstance(problem.kind, kinds.Pattern):
                rule = self._keyword_parent(problem.absolute_keyword_location).get("description")
                if rule:
                    message = f"{json.dumps(problem.instance)} is not valid: {rule}"
                location = problem.absolute_keyword_location or ""
                explain = next((f for end, f in _EXPLAINED_PATTERNS.items() if location.endswith(end)), None)
                message = (explain(problem.instance) if explain else None) or message
            findings.append(error(f"{dotted(path)}: {message}", doc.location(*path), doc.subject, rule=rules.SCHEMA))
        return findings


def _scalar_for_string(value: object, types: list[str]) -> str | None:
    """YAML reads an unquoted `1.3`, `2` or `yes` as a number or a boolean; where a string is expected, say so."""
    if "string" not in types or not isinstance(value, int | float):  # bool is an int
        return None
    what = "a boolean" if isinstance(value, bool) else "a number"
    shown = json.dumps(value)
    return f'{shown} is read as {what}, but a string is expected here: put it in quotes ("{shown}")'
