"""The report as one JSON document, described by schemas/check-report.schema.json."""

from __future__ import annotations

import json
from typing import Any

from reconciler.check.report import CheckReport
from reconciler.kube.report import plan_json, report_json

SCHEMA_ID = "https://butlerlabs.dev/schemas/portal/v1alpha1/check-report.schema.json"


def report_document(report: CheckReport, *, strict: bool = False) -> dict[str, Any]:
    keeper, herald, chambers = report.keeper, report.herald, report.chambers
    return {
        "$schema": SCHEMA_ID,
        "base": report.base,
        "head": report.head,
        "documentsChanged": report.documents_changed,
        "passed": not report.failed(strict),
        "errors": report.errors,
        "warnings": report.warnings,
        "findings": [f.to_json() for f in report.findings],
        "notCompiled": report.not_compiled or None,
        "live": report.live is not None,
        "clusters": (
            [report_json(r) for r in report.live]
            if report.live is not None
            else [{"cluster": c.cluster, "plan": plan_json(c.plan)} for c in report.clusters]
        ),
        "keeper": {
            "changes": [
                {"artifact": c.artifact, "change": c.change, "version": c.version, "detail": c.detail}
                for c in keeper.changes
            ],
            "approvals": [
                {
                    "artifact": a.artifact,
                    "version": a.version,
                    "by": a.by,
                    "at": a.at,
                    "path": a.location.path,
                    "line": a.location.line,
                    "column": a.location.column,
                    "valid": a.valid,
                    "why": a.why or None,
                }
                for a in keeper.approvals
            ],
            "policies": [
                {
                    "artifact": p.artifact,
                    "policies": list(p.policies),
                    "enforcementLevel": p.enforcement,
                    "rules": dict(p.rules),
                }
                for p in keeper.policies
            ],
        },
        "herald": {
            "added": list(herald.added),
            "removed": list(herald.removed),
            "configs": [{"path": c.path, "change": c.change, "diff": list(c.diff)} for c in herald.configs],
            "testsRun": herald.tests_run,
            "tests": [
                {
                    "pipeline": o.result.pipeline,
                    "test": o.result.test,
                    "status": o.result.status,
                    "reason": o.result.reason or None,
                    "path": o.result.location.path,
                    "line": o.result.location.line,
                    "column": o.result.location.column,
                    "base": o.base,
                    "changed": o.changed,
                }
                for o in herald.tests
            ],
            "untested": list(herald.untested),
        },
        "chambers": {
            "workspaces": [
                {
                    "team": w.team,
                    "name": w.name,
                    "cluster": w.cluster,
                    "change": w.change,
                    "entries": [e.as_json() for e in w.entries],
                }
                for w in chambers.workspaces
            ],
            "quotas": [
                {
                    "cluster": q.cluster,
                    "uses": [
                        {"resource": u.resource, "before": u.before, "after": u.after, "limit": u.limit or None}
                        for u in q.uses
                    ],
                }
                for q in chambers.quotas
            ],
        },
    }


def render_json(report: CheckReport, *, strict: bool = False) -> str:
    return json.dumps(report_document(report, strict=strict), indent=2, ensure_ascii=False, default=str) + "\n"
