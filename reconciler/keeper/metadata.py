"""Type-specific version metadata must belong to the artifact's type (the schema allows every block on any type)."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.model.diagnostics import Diagnostic, error
from reconciler.model.kinds import Artifact

# Artifact type → the metadata block its versions may carry (Keeper's terraform_, helm_ and opa_metadata).
METADATA_BLOCK: Mapping[str, str] = {
    "terraform-module": "terraform",
    "terraform-provider": "terraform",
    "helm-chart": "helm",
    "opa-bundle": "opa",
}


def metadata_findings(artifact: Artifact) -> list[Diagnostic]:
    allowed = METADATA_BLOCK.get(artifact.type)
    doc = artifact.doc
    findings: list[Diagnostic] = []
    for version in artifact.versions:
        metadata = version.data.get("metadata")
        if not isinstance(metadata, Mapping):
            continue
        for block in metadata:
            if block == allowed:
                continue
            expected = f"only metadata.{allowed}" if allowed else "no type-specific metadata"
            findings.append(
                error(
                    f"version {version.version}: metadata.{block} does not apply to a {artifact.type} "
                    f"(it takes {expected})",
                    doc.location("spec", "versions", version.index, "metadata", block),
                    doc.subject,
                )
            )
    return findings
