"""`portal codeowners`: write a CODEOWNERS file from the Teams (artifact files owned by who may approve them)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from reconciler.cli import COMMANDS
from reconciler.cli.options import UsageError, add_source_arguments, source_settings, state_dir
from reconciler.cli.source import load_repository
from reconciler.keeper.codeowners import NoDefaultOwner, render_codeowners
from reconciler.model import Diagnostic
from reconciler.validate import Validation

_OWNER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "codeowners",
        help=COMMANDS["codeowners"],
        description=(
            "Generate a CODEOWNERS file from the Teams of a working tree (PATH, default .) or a commit "
            "(--repo, --ref): each artifact file is owned by its team's admins and operators, each Team file by "
            "the team's admins, so branch protection requires the review an approval entry claims. A catch-all "
            "first line gives every other file (Policies, .portalignore, CODEOWNERS, files yet to be added) to the "
            "admins of the management cluster's team, or to --default-owner. "
            "Exit status: 0 written (or up to date with --check), 1 the repo has errors or --check found a "
            "difference, 2 usage error."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--check", action="store_true", help="only compare with FILE; exit 1 when it differs")
    parser.add_argument(
        "--default-owner",
        metavar="OWNER",
        help="owner of the catch-all first line (@user, @org/team or an email; default: the admins of the "
        "management cluster's team)",
    )
    parser.set_defaults(func=run)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from exc


def _errors_hiding_owners(validation: Validation) -> list[Diagnostic]:
    """Errors that keep a Team or an Artifact out of the model (or a whole file unread): ownership would be
    incomplete. Other findings, such as an approval that does not count, do not change who owns what."""
    modelled = {
        *(f"Team/{name}" for name in validation.model.teams),
        *(f"Artifact/{name}" for name in validation.model.artifacts),
    }
    hidden = {d.subject for d in validation.documents if d.kind in ("Team", "Artifact") and d.subject not in modelled}
    return [d for d in validation.errors if d.subject is None or d.subject in hidden]


def _owner(value: str | None) -> str | None:
    """An owner written as one CODEOWNERS token: anything else could own more than the catch-all."""
    if value is not None and not _OWNER.fullmatch(value):
        raise UsageError(f"--default-owner {value!r}: not an @user, @org/team or email")
    return value


def run(args: argparse.Namespace) -> int:
    if args.check and not args.output:
        raise UsageError("--check needs --output FILE")
    default_owner = _owner(args.default_owner)
    validation = load_repository(source_settings(args), state_dir(args))
    blocking = _errors_hiding_owners(validation)
    if blocking:
        for diagnostic in blocking:
            print(diagnostic.format(), file=sys.stderr)
        print(f"portal: {len(blocking)} error(s) hide Teams or Artifacts: no CODEOWNERS written", file=sys.stderr)
        return 1
    try:
        text = render_codeowners(validation.model, default_owner)
    except NoDefaultOwner as exc:
        print(f"portal: {exc}: no CODEOWNERS written", file=sys.stderr)
        return 1
    if not args.output:
        sys.stdout.write(text)
        return 0
    target = Path(args.output)
    if args.check:
        if _read(target) == text:
            return 0
        print(f"{target}: out of date; run portal codeowners -o {target}", file=sys.stderr)
        return 1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc}") from exc
    return 0
