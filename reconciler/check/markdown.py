"""The report as one pull-request comment in GitHub-flavoured Markdown.

The first line, `<!-- portal-check -->`, lets CI find and update the comment in place. Every string that comes
from the change (names, messages, diffs) is written inside code — a fenced block longer than any run of
backticks it holds, or a code span — where Markdown, HTML (`</details>`), links and @mentions are inert, so a
change can neither forge nor hide a part of the comment. Under GitHub's limit for a comment, the longest
sections are cut first, with a notice; the findings never are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.check.report import CheckReport
from reconciler.check.text import (
    chambers_lines,
    cluster_lines,
    finding_lines,
    herald_lines,
    keeper_lines,
    short,
)

MARKER = "<!-- portal-check -->"
LIMIT = 65_000  # characters; GitHub refuses comments over 65,536
_BACKTICKS = re.compile(r"`+")


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: tuple[str, ...]
    open: bool = False
    cut: bool = True  # whether it may be shortened to fit the limit
    omitted: int = 0  # lines cut off


def code_block(lines: Sequence[str]) -> str:
    """A fenced block no line of `lines` can close: its fence is longer than their longest run of backticks."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([fence, *lines, fence])


def code_span(text: str) -> str:
    """Inline code for a table cell: one line, its pipes escaped (GFM splits cells on them even in code)."""
    text = " ".join(text.split()).replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _render_section(section: Section) -> str:
    lines = list(section.lines)
    if section.omitted:
        lines.append(f"… {section.omitted} more line(s) cut to fit one comment: run portal check to see them all")
    return "\n".join(
        [
            "<details open>" if section.open else "<details>",
            f"<summary>{section.title}</summary>",
            "",
            code_block(lines),
            "",
            "</details>",
        ]
    )


def _plural(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _heading(report: CheckReport) -> list[str]:
    verdict = "❌" if report.errors else "✅"
    change = (
        "no documents changed"
        if report.documents_changed == 0
        else f"{_plural(report.documents_changed, 'document file')} changed"
    )
    return [
        MARKER,
        f"### {verdict} portal check: {_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}",
        "",
        f"Base {code_span(short(report.base))} → head {code_span(short(report.head))}: {change}.",
    ]


def _object_counts(report: CheckReport) -> dict[str, tuple[int, int, int]]:
    """Per cluster: objects created, updated and pruned (with --live, as the clusters' own plans say)."""
    if report.live is not None:
        plans = [(r.cluster, r.plan) for r in report.live if r.plan is not None]
    else:
        plans = [(c.cluster, c.plan) for c in report.clusters]
    counts: dict[str, tuple[int, int, int]] = {}
    for cluster, plan in plans:
        creates = sum(c.action == "create" for c in plan.changes)
        counts[cluster] = (creates, len(plan.changes) - creates, len(plan.prunable))
    return counts


def _table(report: CheckReport) -> list[str]:
    objects = _object_counts(report)
    pipelines = Counter(c.path.split("/")[1] for c in report.herald.configs if c.path.startswith("clusters/"))
    workspaces = Counter(w.cluster for w in report.chambers.workspaces)
    versions = {(c.artifact, c.version) for c in report.keeper.changes if c.version and c.change != "latest"}
    total = tuple(sum(n[i] for n in objects.values()) for i in range(3))
    pipeline_total = len(report.herald.added) + len(report.herald.removed)
    pipeline_total += sum(c.path.startswith("pipelines/") for c in report.herald.configs)
    rows = [
        "| | errors | warnings | objects + / ~ / − | versions | pipelines | workspaces |",
        "|---|---:|---:|:---:|---:|---:|---:|",
        f"| **all** | {report.errors} | {report.warnings} | {' / '.join(map(str, total))} | {len(versions)} "
        f"| {pipeline_total} | {len(report.chambers.workspaces)} |",
    ]
    for cluster in sorted(objects.keys() | pipelines.keys() | workspaces.keys()):
        counts = " / ".join(map(str, objects.get(cluster, (0, 0, 0))))
        rows.append(
            f"| {code_span(cluster)} | | | {counts} | | {pipelines.get(cluster, 0)} | {workspaces.get(cluster, 0)} |"
        )
    return rows


def _sections(report: CheckReport) -> list[Section]:
    return [
        Section(
            f"Findings: {_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}",
            tuple(finding_lines(report) or ["none"]),
            open=bool(report.findings),
            cut=False,
        ),
        Section("Objects per cluster" + (" (live)" if report.live is not None else ""), tuple(cluster_lines(report))),
        Section("Keeper: versions, approvals, policies", tuple(keeper_lines(report.keeper))),
        Section("Herald: pipelines, Vector configs and tests", tuple(herald_lines(report.herald, report.not_compiled))),
        Section("Chambers: workspaces and quotas", tuple(chambers_lines(report.chambers))),
    ]


def _compose(head: list[str], sections: Sequence[Section]) -> str:
    return "\n".join([*head, *(f"\n{_render_section(s)}" for s in sections)]) + "\n"


def _shortened(section: Section, excess: int) -> Section:
    """The section less at least `excess` characters (and the notice it gains), cut at whole lines."""
    lines = list(section.lines)
    omitted = section.omitted
    removed = 0
    budget = excess + 120  # the notice's own length, with room
    while lines and removed < budget:
        removed += len(lines.pop()) + 1
        omitted += 1
    return Section(section.title, tuple(lines), section.open, section.cut, omitted)


def fit(head: list[str], sections: list[Section], limit: int = LIMIT) -> str:
    """The comment under `limit`, cutting the longest section that may be cut first; findings stay whole."""
    text = _compose(head, sections)
    while len(text) > limit:
        cuttable = [i for i, s in enumerate(sections) if s.cut and s.lines]
        if not cuttable:
            break  # only findings are left: they are never cut
        longest = max(cuttable, key=lambda i: sum(len(line) + 1 for line in sections[i].lines))
        sections[longest] = _shortened(sections[longest], len(text) - limit)
        text = _compose(head, sections)
    return text


def render_markdown(report: CheckReport, limit: int = LIMIT) -> str:
    head = [*_heading(report), "", *_table(report)]
    return fit(head, _sections(report), limit)
