"""The report as plain text for a terminal or a CI log; the Markdown comment reuses its lines for the parts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from reconciler.check.chambers import ChambersPart
from reconciler.check.herald import HeraldPart, TestOutcome
from reconciler.check.keeper import KeeperPart, PolicyApplied
from reconciler.check.report import CheckReport
from reconciler.kube.diff import show
from reconciler.kube.report import plan_lines, report_lines

_MARKS = {"added": "+", "created": "+", "removed": "-", "changed": "~"}


def short(commit: str) -> str:
    return commit[:12] if commit else "working tree"


def headline(report: CheckReport) -> str:
    change = (
        "no documents changed"
        if report.documents_changed == 0
        else f"{report.documents_changed} document file(s) changed"
    )
    return f"portal check {short(report.base)}..{short(report.head)}: {change}"


def summary(report: CheckReport) -> str:
    return f"{report.errors} error(s), {report.warnings} warning(s)"


def finding_lines(report: CheckReport) -> list[str]:
    return [f.format() for f in report.findings]


def cluster_lines(report: CheckReport) -> list[str]:
    if report.live is not None:
        return [line for cluster in report.live for line in report_lines(cluster)]
    if report.not_compiled:
        return [report.not_compiled]
    return [line for c in report.clusters for line in plan_lines(c.cluster, c.plan)] or ["no object changes"]


def _policy(policy: PolicyApplied) -> str:
    rules = ", ".join(f"{rule}={show(value)}" for rule, value in policy.rules)
    policies = ", ".join(f"Policy/{p}" for p in policy.policies) or "no Policy"
    return f"Artifact/{policy.artifact}: judged by {policies} ({policy.enforcement}): {rules}"


def keeper_lines(part: KeeperPart) -> list[str]:
    if part.empty:
        return ["no registry changes"]
    lines = [change.describe() for change in part.changes]
    for a in part.approvals:
        verdict = "valid" if a.valid else f"not valid: {a.why}"
        lines.append(f"{a.location}: approval of Artifact/{a.artifact} {a.version} by {a.by} at {a.at}: {verdict}")
    lines.extend(f"policy of {_policy(p)}" for p in part.policies)
    return lines


_TEST_MARKS = {"passed": "PASS", "failed": "FAIL", "not run": "SKIP"}


def test_line(outcome: TestOutcome) -> str:
    """As `portal pipeline test` prints it, placed, and with the base's result when it differs."""
    result = outcome.result
    line = f"{result.location}: {_TEST_MARKS[result.status]} {result.pipeline}/{result.test}"
    if result.reason:
        line += f": {result.reason}"
    return line + (f" ({outcome.base} on the base)" if outcome.changed else "")


def test_lines(part: HeraldPart) -> list[str]:
    if not part.tests_run:
        return ["pipeline tests: not run (--no-tests)"]
    if not (part.tests or part.untested):
        return ["pipeline tests: none"]
    counts = Counter(o.result.status for o in part.tests)
    changed = sum(o.changed for o in part.tests)
    lines = [
        f"pipeline tests: {counts['passed']} passed, {counts['failed']} failed, {counts['not run']} not run"
        + (f", {changed} changed from the base" if changed else "")
    ]
    lines.extend(f"  {test_line(outcome)}" for outcome in part.tests)
    lines.extend(f"  SKIP {name}/*: not tested: the pipeline has errors" for name in part.untested)
    return lines


def herald_lines(part: HeraldPart, not_compiled: str = "") -> list[str]:
    if part.empty:
        return [not_compiled or "no pipeline changes", *test_lines(part)]
    lines = [f"+ Pipeline/{name}" for name in part.added] + [f"- Pipeline/{name}" for name in part.removed]
    for config in part.configs:
        lines.append(f"{_MARKS[config.change]} {config.path}")
        lines.extend(f"    {line}" for line in config.diff)
    return [*lines, *test_lines(part)]


def chambers_lines(part: ChambersPart) -> list[str]:
    if part.empty:
        return ["no workspace changes"]
    lines = []
    for ws in part.workspaces:
        lines.append(f"{_MARKS[ws.change]} Workspace/{ws.name} of team {ws.team} on {ws.cluster}")
        lines.extend(f"    {line}" for entry in ws.entries for line in entry.lines())
    for quota in part.quotas:
        uses = ", ".join(
            f"{u.resource} {u.before} → {u.after}" + (f" (of {u.limit})" if u.limit else "") for u in quota.uses
        )
        lines.append(f"quota of {quota.cluster}: {uses}")
    return lines


def _section(title: str, lines: list[str]) -> Iterator[str]:
    yield ""
    yield f"{title}:"
    yield from (f"  {line}" if line else "" for line in lines)


def render_text(report: CheckReport) -> str:
    lines = [headline(report), summary(report)]
    lines.extend(_section("Findings", finding_lines(report) or ["none"]))
    lines.extend(_section("Clusters", cluster_lines(report)))
    lines.extend(_section("Keeper", keeper_lines(report.keeper)))
    lines.extend(_section("Herald", herald_lines(report.herald, report.not_compiled)))
    lines.extend(_section("Chambers", chambers_lines(report.chambers)))
    return "\n".join(lines) + "\n"
