"""`portal check`: what merging a change would do, for a pull request — findings, then per cluster the objects,
then Keeper's, Herald's and Chambers' parts.

Exit status: 0 no errors (warnings too, unless --strict), 1 errors, 2 a usage or environment error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from reconciler import __version__
from reconciler.build import BuildSettings
from reconciler.check.report import CheckReport, check_change
from reconciler.check.reviews import Reviews, ReviewsError, member_of_login, parse_reviews
from reconciler.cli import COMMANDS
from reconciler.cli.options import (
    UsageError,
    add_instance_argument,
    add_state_dir_argument,
    check_instance,
    state_dir,
)
from reconciler.cli.source import load_repository, read_base
from reconciler.herald.tests.memo import TestMemo
from reconciler.model import Document
from reconciler.settings import SourceSettings
from reconciler.validate import Validation, validate_source
from reconciler.validate.memo import ValidationMemo
from reconciler.validate.pipeline_tests import test_results

# The whole report (text, markdown, json), then the findings alone as CI tools read them (reconciler/check/formats/).
FORMATS = ("text", "markdown", "json", "sarif", "junit", "github", "gitlab")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help=COMMANDS["check"],
        description=(
            "Check a change (a pull request) from --base to --head, both read from git without a checkout: the "
            "head is validated with authority read from the base (as validate --base), and the report says what "
            "merging would do: findings (errors first), per cluster the objects to create, update (field-level "
            "diff) and prune, Keeper's versions, approvals and policies, Herald's compiled Vector configs and "
            "pipeline tests (each test's result, and those that changed from the base), Chambers' workspaces and "
            "quotas; --format sarif, junit, github or gitlab writes the findings alone, for CI. "
            "Exit status: 0 no errors (warnings too, unless --strict), "
            "1 errors, 2 usage or environment error (unknown ref, not a repository, unreadable --reviews)."
        ),
    )
    parser.add_argument("--base", metavar="REF", required=True, help="the target branch (or commit) of the change")
    parser.add_argument("--head", metavar="REF", default="HEAD", help="the commit to check")
    parser.add_argument("--repo", metavar="PATH_OR_URL", default=".", help="the repository holding both commits")
    add_state_dir_argument(parser)
    who = parser.add_mutually_exclusive_group()
    who.add_argument(
        "--actor",
        metavar="EMAIL",
        help="the change's author: their own approvals do not count (as validate --actor)",
    )
    who.add_argument(
        "--actor-login",
        metavar="LOGIN",
        help="the change's author by their GitHub or GitLab login, mapped to a user by the base's Teams",
    )
    parser.add_argument(
        "--reviews",
        metavar="FILE",
        type=Path,
        help="the pull request's reviews as GitHub's API returns them (gh api repos/O/R/pulls/N/reviews), or "
        "GitLab's merge request approvals with the merge request's `sha`: every approval the change adds must "
        "then match an APPROVED review of the head commit by that user's login (github/gitlab in the base's Teams)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output format: text, markdown (a pull-request comment) or json print the whole report; sarif (code "
        "scanning), junit (test reports, a testcase per document and per pipeline test of the head), github "
        "(workflow-command annotations) and gitlab (a Code Quality report) print its findings alone (default: text)",
    )
    parser.add_argument("--output", metavar="FILE", type=Path, help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--live",
        action="store_true",
        help="plan the objects against the clusters instead (an SSA dry-run, as portal plan --prune)",
    )
    parser.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="with --live: kubeconfig with the clusters' contexts (default: $KUBECONFIG, else ~/.kube/config)",
    )
    add_instance_argument(parser)
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--no-tests",
        action="store_true",
        help="do not run the Pipelines' spec.tests (by default the head's and the base's run, as validate runs "
        "them: a failing test of the head is an error, and Herald's part lists each test's result and those that "
        "changed from the base; results are remembered in the state dir)",
    )
    parser.set_defaults(func=run)


def _reviews(path: Path | None) -> Reviews | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--reviews {path}: cannot read it: {exc}") from None
    try:
        return parse_reviews(text, str(path))
    except ReviewsError as exc:
        raise UsageError(str(exc)) from None


def _actor(args: argparse.Namespace, base: Validation) -> str | None:
    if not args.actor_login:
        return args.actor
    try:
        return member_of_login(base.model, args.actor_login)
    except ReviewsError as exc:
        raise UsageError(str(exc)) from None


def _live(report: CheckReport, head: Validation, args: argparse.Namespace, settings: BuildSettings) -> CheckReport:
    """The head's objects planned against the clusters themselves (reads only)."""
    from reconciler.build import build
    from reconciler.cli.progress import stderr_progress
    from reconciler.kube.clusters import run_clusters, select_clusters
    from reconciler.kube.connect import find_kubeconfig
    from reconciler.settings import ApplyOptions, ClusterSettings

    if report.not_compiled:
        return report
    if args.kubeconfig and not Path(args.kubeconfig).is_file():
        raise UsageError(f"--kubeconfig {args.kubeconfig}: no such file")
    kubeconfig = find_kubeconfig(args.kubeconfig)
    if kubeconfig is None:
        raise UsageError("--live: no kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config)")
    built = build(head, settings)
    reports = run_clusters(
        built.model,
        built.manifests,
        select_clusters(built.model, ()),
        ClusterSettings(kubeconfig=args.kubeconfig),
        kubeconfig,
        ApplyOptions(instance=settings.instance, dry_run=True, prune=True),
        stderr_progress(sys.stderr),
    )
    return replace(report, live=tuple(reports))


def render(report: CheckReport, form: str, *, strict: bool, documents: Sequence[Document]) -> str:
    """`report` in `form`; `documents` are the head's, JUnit's testcases (with the pipeline tests)."""
    if form == "sarif":
        from reconciler.check.formats.sarif import render_sarif

        return render_sarif(report.findings, tool_version=__version__)
    if form == "junit":
        from reconciler.check.formats.junit import render_junit

        return render_junit(report.findings, documents, [o.result for o in report.herald.tests])
    if form == "github":
        from reconciler.check.formats.github import render_github

        return render_github(report.findings)
    if form == "gitlab":
        from reconciler.check.formats.gitlab import render_gitlab

        return render_gitlab(report.findings)
    if form == "json":
        from reconciler.check.json_report import render_json

        return render_json(report, strict=strict)
    if form == "markdown":
        from reconciler.check.markdown import render_markdown

        return render_markdown(report)
    from reconciler.check.text import render_text

    return render_text(report)


def run(args: argparse.Namespace) -> int:
    settings = BuildSettings(instance=check_instance(args.instance))
    reviews = _reviews(args.reviews)
    source = SourceSettings(repo=args.repo, ref=args.head)
    state = state_dir(args)
    memo = ValidationMemo(state.root)  # the base and the head share the state dir's cache and the schemas
    base = validate_source(read_base(source, state, args.base), state_dir=state.root, memo=memo)
    actor = _actor(args, base)
    head = load_repository(source, state, base=base, actor=actor, memo=memo)
    tests = None
    if not args.no_tests:
        results = TestMemo(state.root)  # the base and the head share it: one file keeps both commits' results
        tests = (test_results(base, results), test_results(head, results))
    report = check_change(base, head, actor=actor, reviews=reviews, settings=settings, tests=tests)
    if args.live:
        report = _live(report, head, args, settings)
    text = render(report, args.format, strict=args.strict, documents=head.documents)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {args.output}: cannot write it: {exc}") from None
        print(
            f"{report.errors} error(s), {report.warnings} warning(s): report written to {args.output}", file=sys.stderr
        )
    return 1 if report.failed(args.strict) else 0
