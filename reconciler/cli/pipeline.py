"""`portal pipeline import`: an existing Vector config (or Helm values / HelmRelease) → a Pipeline document."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from reconciler.cli import COMMANDS
from reconciler.cli.options import UsageError
from reconciler.cli.pipeline_run import register_actions
from reconciler.herald.importer import PREFIX, ImportFailure, ImportRequest, import_pipeline
from reconciler.validate.names import name_uses

# Herald's pipeline name rule: lower-case letters, digits and '-', starting and ending alphanumeric; its length
# is bounded by where the name ends up (validate.names).
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]+[a-z0-9]$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pipeline", help=COMMANDS["pipeline"])
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    importing = actions.add_parser(
        "import",
        help="turn a Vector config into a Pipeline document",
        description=(
            "Read a Vector config (TOML, YAML or JSON: by the file's suffix, else by its content), Helm values "
            "with customConfig, or a Flux HelmRelease holding them, and print a Pipeline document (or write it "
            "with -o). customConfig is rendered as the chart's tpl renders it ({{`{{ field }}`}} becomes "
            "{{ field }}). Every ${VAR} becomes an env entry read from the Secret <name>-env; data_dir is left out "
            "(with a note on stderr); Vector's unit tests become spec.tests, and a remap's `file` program is read "
            "(relative to FILE) into its source. With --prefix P, component ids become "
            "P_<id> (inputs too) and variables P_<VAR>, so that imports written with the same ids can share a "
            "cluster. Exit status: 0 done, 1 the file is not a Vector config, 2 usage error."
        ),
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="the config to import ('-' for stdin)")
    importing.add_argument("--name", required=True, help="the Pipeline's metadata.name")
    importing.add_argument("--team", required=True, help="the owning Team")
    importing.add_argument(
        "--target", metavar="SELECTOR", help="clusters to run on: labels (env=prd,region=eu) or names (a,b)"
    )
    importing.add_argument("--role", choices=("agent", "aggregator"), help="Vector's role there (default: agent)")
    importing.add_argument(
        "--prefix",
        metavar="P",
        default="",
        help="prefix component ids (P_<id>) and variables (P_<VAR>, upper-cased) (default: none)",
    )
    importing.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    importing.set_defaults(func=run_import)
    register_actions(actions)


def _read(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc


def _file_reader(imported: Path) -> Callable[[str], str]:
    """Files the config names, read relative to the imported file (to the current directory for stdin)."""
    folder = Path() if str(imported) == "-" else imported.parent
    return lambda name: (folder / name).read_text(encoding="utf-8")


def run_import(args: argparse.Namespace) -> int:
    longest = min(use.longest() for use in name_uses("Pipeline"))
    if not _NAME.match(args.name) or len(args.name) > longest:
        raise UsageError(
            f"--name {args.name!r}: use 3-{longest} lower-case letters, digits and '-', alphanumeric at both ends"
        )
    if args.role and not args.target:
        raise UsageError("--role needs --target")
    if args.prefix and not PREFIX.match(args.prefix):
        raise UsageError(f"--prefix {args.prefix!r}: use letters, digits, '_' and '-', starting with a letter")
    request = ImportRequest(args.name, args.team, args.target, args.role or "agent", args.prefix)
    try:
        text, left_out = import_pipeline(_read(args.file), request, str(args.file), _file_reader(args.file))
    except ImportFailure as exc:
        print(f"{exc.location or args.file}: error: {exc}", file=sys.stderr)
        return 1
    for key, why in left_out:
        print(f"{args.file}: note: `{key}` is not imported: {why}", file=sys.stderr)
    if args.output:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(text, encoding="utf-8", newline="\n")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(text)
    return 0
