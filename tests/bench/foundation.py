"""[foundation] `portal validate` of 10,000 documents: cold, after a one-file change, peak RSS.

Peer: check-jsonschema on the same files against the same schemas.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from reconciler.resources import schemas_dir
from tests.bench.measure import run_process
from tests.bench.synthetic import write_repo

DOCUMENTS = 10_000
SCHEMA_FILES = {
    "Team": "team",
    "Cluster": "cluster",
    "WorkspaceTemplate": "workspacetemplate",
    "Workspace": "workspace",
    "Artifact": "artifact",
    "Policy": "policy",
    "Pipeline": "pipeline",
}


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        root = Path(tmp) / "repo"
        counts = write_repo(root, DOCUMENTS)
        state = Path(tmp) / "state"
        portal = [sys.executable, "-m", "reconciler", "validate", str(root), "--state-dir", str(state)]
        cold = run_process(portal)
        assert cold.returncode == 0, "the synthetic repo must validate clean"
        changed = root / "teams" / "team-7.yaml"
        changed.write_text(changed.read_text().replace("Team 7", "Team seven"))
        warm = run_process(portal)
        check_jsonschema = str(Path(sys.executable).with_name("check-jsonschema"))
        peer_seconds = 0.0
        for kind, stem in SCHEMA_FILES.items():
            schema = schemas_dir() / f"{stem}.schema.json"
            files = sorted(str(p) for p in root.rglob(f"{kind.lower()}-*.yaml"))
            assert len(files) == counts[kind]
            peer = run_process([check_jsonschema, "--schemafile", str(schema), "--base-uri", schema.as_uri(), *files])
            assert peer.returncode == 0, f"check-jsonschema rejected the synthetic {kind} documents"
            peer_seconds += peer.seconds
    ours = DOCUMENTS / cold.seconds
    theirs = DOCUMENTS / peer_seconds
    return [
        f"validate cold: {cold.seconds:.2f} s for {DOCUMENTS} documents = {ours:,.0f} documents/s "
        f"(target >= 5,000), peak RSS {cold.peak_rss_mib:.0f} MiB (target <= 300)",
        f"validate after a one-file change: {warm.seconds:.2f} s (target <= 0.5), peak RSS {warm.peak_rss_mib:.0f} MiB",
        f"check-jsonschema (7 invocations, one per kind): {peer_seconds:.2f} s = {theirs:,.0f} documents/s",
        f"foundation: cold {ours:,.0f} docs/s vs check-jsonschema {theirs:,.0f} docs/s = {ours / theirs:.1f}x "
        f"(target >= 3x); one-file change {warm.seconds:.2f} s; "
        f"peak RSS {max(cold.peak_rss_mib, warm.peak_rss_mib):.0f} MiB",
    ]
