"""Changes for `portal check`'s tests: a small valid platform (a team with Git host logins, clusters, a
workspace, an artifact with a pending version, a pipeline on the tenant cluster) and one-file edits of it,
committed as real git history."""

from __future__ import annotations

from pathlib import Path

from tests.foundation.repos import HEADER, valid_repo
from tests.gitrepo import commit
from tests.herald.builders import APP_LOGS, APP_LOGS_TESTS
from tests.keeper.builders import artifact

TEAM = (
    HEADER
    + """\
kind: Team
metadata:
  name: payments
spec:
  displayName: Payments
  access:
    users:
      - {name: alice@acme.dev, role: admin, github: alice-gh, gitlab: alice.gl}
      - {name: bob@acme.dev, role: operator, github: Bob-GH, gitlab: bob.gl}
      - {name: carol@acme.dev, role: operator}
      - {name: vic@acme.dev, role: viewer, github: vic-gh}
"""
)

DATA_TEAM = (
    HEADER
    + """\
kind: Team
metadata:
  name: data
spec:
  access:
    users:
      - {name: dana@acme.dev, role: admin, github: dana-gh}
"""
)

PENDING = """\
    - version: 1.1.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-01T10:00:00Z
"""
APPROVED = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2026-01-02T10:00:00Z}]
"""
ARTIFACT_PATH = "artifacts/vpc.yaml"
PIPELINE_PATH = "pipelines/app-logs.yaml"
PIPELINE = APP_LOGS.replace("env: prd", "env: dev") + APP_LOGS_TESTS


def approved_by(*approvers: str) -> str:
    """The artifact with 1.1.0 approved by `approvers` (in the order given)."""
    entries = ", ".join(f"{{by: {a}, at: 2026-02-02T10:00:00Z}}" for a in approvers)
    return artifact(PENDING + f"      approvals: [{entries}]\n" + APPROVED, team="payments")


def base_files() -> dict[str, str]:
    return {
        **valid_repo(),
        "teams/payments.yaml": TEAM,
        "teams/data.yaml": DATA_TEAM,
        ARTIFACT_PATH: artifact(PENDING + APPROVED, team="payments"),
        PIPELINE_PATH: PIPELINE,
        "README.md": "# platform\n",
    }


def change(root: Path, edits: dict[str, str | None], base_edits: dict[str, str] | None = None) -> tuple[Path, str, str]:
    """A repo with a base commit (`base_files` and `base_edits`) and, on top, the base with `edits` (None deletes
    a file); returns the repo, the base's id and the head's."""
    repo = root / "platform"
    files = {**base_files(), **(base_edits or {})}
    base = commit(repo, files, "base")
    for path, text in edits.items():
        if text is None:
            files.pop(path)
        else:
            files[path] = text
    head = commit(repo, files, "change")
    return repo, base, head
