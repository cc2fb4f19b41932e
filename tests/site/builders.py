"""Sites built for tests: the starter template, as it is or with documents changed, built by `portal site build`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO_ROOT, run_portal_in_process

TEMPLATE = REPO_ROOT / "repo-template"
CANARY = "Canary5ecret7f1e"  # a marked secret: it must appear nowhere in a built site
XSS_README = """# Hello

<script>window.__xss = 1</script>

[click](javascript:window.__xss=2) and [also](JaVaScRiPt:window.__xss=3)

<img src="x" onerror="window.__xss=4">

![remote](https://tracker.example/pixel.png)
"""

Edit = Callable[[dict[str, Any]], None]


class _TextTimes(yaml.SafeLoader):
    """Times stay the strings they are written as, so that they are dumped back as written."""


_TextTimes.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def copy_template(root: Path) -> Path:
    shutil.copytree(TEMPLATE, root)
    return root


def edit_document(root: Path, path: str, edit: Edit) -> None:
    """Change the one document of a YAML file (comments are lost, which no test reads)."""
    file = root / path
    document = yaml.load(file.read_text(encoding="utf-8"), Loader=_TextTimes)
    edit(document)
    file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def build_site(source: Path | None, out: Path, *extra: str | Path) -> Any:
    """`portal site build` of the working tree `source`, or of `--repo …` given in `extra`."""
    return run_portal_in_process("site", "build", *([source] if source else []), "--out", out, *extra)


def _secret_url(user: str, host: str) -> str:
    return f"https://{user}:{CANARY}@{host}"


def plant_canaries(root: Path) -> None:
    """A marked secret in every place a document can hold one, and XSS in every place text is shown."""

    def team(doc: dict[str, Any]) -> None:
        doc["spec"]["displayName"] = "<script>window.__xss = 5</script>Platform"
        doc["spec"]["description"] = f"Runbook at {_secret_url('ops', 'wiki.acme.dev/runbook')} <b onmouseover=x>"

    def workspace(doc: dict[str, Any]) -> None:
        doc["spec"]["repositories"] = [{"url": _secret_url("bot", "github.com/acme/ledger"), "branch": "main"}]
        doc["spec"]["dotfiles"] = {"url": _secret_url("bot", "github.com/acme/dotfiles")}

    def artifact(doc: dict[str, Any]) -> None:
        spec = doc["spec"]
        spec["description"] = '<img src="x" onerror="window.__xss=6">Databases'
        spec["source"]["repositoryUrl"] = _secret_url("ci", "github.com/acme/terraform-aws-rds-postgres")
        spec["versions"][1]["changelog"] = f"Mirror at {_secret_url('ci', 'git.acme.dev/rds')} <script>x</script>"
        spec["versions"][1]["approvals"][0]["comment"] = "<script>window.__xss = 7</script>ok"

    def pipeline(doc: dict[str, Any]) -> None:
        doc["spec"]["description"] = f"Ships to {_secret_url('shipper', 'loki.acme.dev')}"
        doc["spec"]["env"][1]["value"] = _secret_url("payments", "loki.acme.dev")

    edit_document(root, "teams/platform.yaml", team)
    edit_document(root, "workspaces/alice-ledger.yaml", workspace)
    edit_document(root, "artifacts/rds-postgres/artifact.yaml", artifact)
    edit_document(root, "pipelines/app-logs.yaml", pipeline)
    readme = root / "artifacts/rds-postgres/README.md"
    readme.write_text(XSS_README + f"\nClone {_secret_url('git', 'github.com/acme/rds')}\n", encoding="utf-8")
