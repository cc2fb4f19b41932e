"""Repos for Keeper's tests: documents parsed from YAML text (with positions), and their models."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.keeper.commit import check
from reconciler.load.yaml_documents import parse_documents
from reconciler.model import Document
from reconciler.model.build import build_model
from reconciler.model.checks import CheckContext
from reconciler.model.kinds import RepoModel
from tests.foundation.repos import HEADER

ARTIFACT_PATH = "artifacts/vpc.yaml"

PLATFORM_TEAM = (
    HEADER
    + """\
kind: Team
metadata:
  name: platform
spec:
  access:
    users:
      - {name: alice@acme.dev, role: admin}
      - {name: bob@acme.dev, role: operator}
      - {name: carol@acme.dev, role: operator}
      - {name: vic@acme.dev, role: viewer}
"""
)

PAYMENTS_TEAM = (
    HEADER
    + """\
kind: Team
metadata:
  name: payments
spec:
  access:
    users:
      - {name: pat@acme.dev, role: admin}
"""
)

TEAMS = {"teams/platform.yaml": PLATFORM_TEAM, "teams/payments.yaml": PAYMENTS_TEAM}


def artifact(versions: str, *, spec: str = "", name: str = "vpc", team: str = "platform") -> str:
    """An Artifact whose `spec.versions` list is `versions` (items indented by 4); `spec` adds spec lines.

    Line numbers, for the tests' expected messages: `spec.versions` is line 12 (plus the lines of `spec`),
    its first item line 13.
    """
    return (
        HEADER
        + f"""\
kind: Artifact
metadata:
  name: {name}
spec:
  type: terraform-module
  namespace: networking
  provider: aws
  team: {team}
  storage:
    git: {{repositoryUrl: https://github.com/acme/terraform-aws-vpc}}
{spec}  versions:
{versions}"""
    )


def documents(files: Mapping[str, str]) -> list[Document]:
    docs: list[Document] = []
    for path, text in files.items():
        parsed, problems = parse_documents(text, path)
        assert not problems, problems
        docs.extend(Document(path, p.index, p.value, p.positions) for p in parsed)
    return docs


def model(files: Mapping[str, str]) -> RepoModel:
    built, problems = build_model(documents(files))
    assert not problems, problems
    return built


def repo(versions: str, *, spec: str = "", extra: Mapping[str, str] | None = None) -> RepoModel:
    """The teams plus artifacts/vpc.yaml with `versions`, and any `extra` files."""
    return model({**TEAMS, ARTIFACT_PATH: artifact(versions, spec=spec), **(extra or {})})


def findings(head: RepoModel, base: RepoModel | None = None, actor: str | None = None) -> list[str]:
    return [d.format() for d in check(CheckContext(model=head, base=base, actor=actor))]
