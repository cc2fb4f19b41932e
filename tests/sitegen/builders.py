"""Registry repos for the site's machine-readable outputs: Keeper's teams plus artifacts of every type."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler.model.kinds import RepoModel
from sitegen.files import SiteFiles
from tests.foundation.repos import HEADER
from tests.keeper.builders import TEAMS, model

APPROVED = """\
    - version: {version}
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
      approvals: [{{by: bob@acme.dev, at: 2026-01-02T10:00:00Z}}]
"""
PENDING = """\
    - version: {version}
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-01T10:00:00Z
"""
YANKED = APPROVED + "      yanked: {{reason: Breaks NAT, by: bob@acme.dev, at: 2026-03-05T10:00:00Z}}\n"
REJECTED = PENDING + "      rejected: {{by: bob@acme.dev, at: 2026-02-02T10:00:00Z, reason: No tests}}\n"


def registry_artifact(
    name: str,
    type_: str,
    storage: str,
    versions: str,
    *,
    namespace: str = "networking",
    spec: str = "",
) -> str:
    """An Artifact of team platform; `storage` is the YAML flow mapping of spec.storage, `versions` items are
    indented by 4, `spec` adds spec lines (indented by 2)."""
    return (
        HEADER
        + f"""\
kind: Artifact
metadata:
  name: {name}
spec:
  type: {type_}
  namespace: {namespace}
  team: platform
  storage: {storage}
{spec}  versions:
{versions}"""
    )


def registry_repo(artifacts: Mapping[str, str]) -> RepoModel:
    """The Keeper teams plus one file per artifact text, at artifacts/<key>.yaml."""
    return model({**TEAMS, **{f"artifacts/{key}.yaml": text for key, text in artifacts.items()}})


def get_json(site: SiteFiles, path: str) -> Any:
    """What a client reading `path` (an absolute URL path on the site) gets as JSON."""
    return json.loads(site.files[path.lstrip("/")])
