"""SARIF 2.1.0, the format code scanning (GitHub's and others') reads: one run, one rule per kind of finding."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

from reconciler.model import Diagnostic, Severity, rules

SCHEMA_URI = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
# Paths are relative to the repository's root, which the reader knows and the report does not.
REPO_ROOT = "REPOROOT"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def _result(finding: Diagnostic, rule_index: dict[str, int]) -> dict[str, object]:
    rule = rules.rule_of(finding)
    result: dict[str, object] = {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{finding.subject}: {finding.message}" if finding.subject else finding.message},
    }
    if finding.location is not None:
        location = finding.location
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(location.path, safe="/"), "uriBaseId": REPO_ROOT},
                    "region": {"startLine": max(location.line, 1), "startColumn": max(location.column, 1)},
                }
            }
        ]
    return result


def render_sarif(findings: Sequence[Diagnostic], *, tool_version: str) -> str:
    """One SARIF log of `findings`, in their order; rules sorted by id. A finding without a place has no
    `locations`: SARIF allows it, though code scanning displays located results alone (the other formats carry
    every finding)."""
    used = sorted({rules.rule_of(f) for f in findings})
    rule_index = {rule: i for i, rule in enumerate(used)}
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "portal",
                        "version": tool_version,
                        "rules": [{"id": rule, "shortDescription": {"text": rules.describe(rule)}} for rule in used],
                    }
                },
                "originalUriBaseIds": {REPO_ROOT: {"description": {"text": "The root of the repository"}}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, rule_index) for f in findings],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
