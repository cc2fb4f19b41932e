"""GitLab Code Quality (a subset of Code Climate's issue format), read from a job's `codequality` report: the
merge request shows each finding at its file and line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from reconciler.model import Diagnostic, Severity, rules

# GitLab's scale is info, minor, major, critical, blocker: an error fails the check (major), a warning does not.
_SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.NOTE: "info"}
# Where a finding about no file is placed: the repository itself.
REPOSITORY = "."


def _fingerprint(finding: Diagnostic, seen: dict[str, int]) -> str:
    """The same finding gets the same fingerprint in every run, wherever its line moves (GitLab tells new
    findings from fixed ones by it); a second finding with the same text gets its own."""
    path = finding.location.path if finding.location else ""
    key = "\0".join((rules.rule_of(finding), path, finding.subject or "", finding.message))
    occurrence = seen.get(key, 0)
    seen[key] = occurrence + 1
    return hashlib.sha256(f"{key}\0{occurrence}".encode()).hexdigest()


def render_gitlab(findings: Iterable[Diagnostic]) -> str:
    seen: dict[str, int] = {}
    issues = [
        {
            "description": f"{f.subject}: {f.message}" if f.subject else f.message,
            "check_name": rules.rule_of(f),
            "fingerprint": _fingerprint(f, seen),
            "severity": _SEVERITIES[f.severity],
            "location": {
                "path": f.location.path if f.location else REPOSITORY,
                "lines": {"begin": f.location.line if f.location else 1},
            },
        }
        for f in findings
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
