"""[foundation] `portal validate` of 10,000 documents: cold, after a one-file change, peak RSS.

Peer: check-jsonschema on the same files against the same schemas. Beside the one-file figures: `portal
--version` of the same run, the floor any fresh process pays (interpreter and imports), and the ratio to it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from reconciler.resources import schemas_dir
from tests.bench.measure import Measurement, run_process
from tests.bench.synthetic import write_repo

DOCUMENTS = 10_000
# (kind, file, text, replacement): one small edit of a document of each kind the synthetic repo holds
ONE_FILE_EDITS = (
    ("Team", "teams/team-7.yaml", "Team 7", "Team seven"),
    ("Workspace", "workspaces/workspace-11.yaml", "idleTimeout: 4h", "idleTimeout: 6h"),
    ("Artifact", "artifacts/artifact-13.yaml", "changelog: Release 1.", "changelog: Release 1, reworded."),
    ("Pipeline", "pipelines/pipeline-17.yaml", "Synthetic pipeline 17", "Synthetic pipeline seventeen"),
    ("Cluster", "clusters/cluster-19.yaml", "drift: correct", "drift: warn"),
)
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
        # A repo at rest: files written within the last 2 s are re-read on every run (their stat cannot vouch
        # for their content yet, as with git's index), which only a freshly generated repo has.
        time.sleep(2.1)
        state = Path(tmp) / "state"
        portal = [sys.executable, "-m", "reconciler", "validate", str(root), "--state-dir", str(state)]
        cold = run_process(portal)
        assert cold.returncode == 0, "the synthetic repo must validate clean"
        # One edit of each kind, each followed by a fresh process: what the cache and the remembered checks
        # spare depends on what the edited document is read by.
        warm: dict[str, Measurement] = {}
        for kind, path, old, new in ONE_FILE_EDITS:
            changed = root / path
            text = changed.read_text()
            assert old in text, f"the synthetic {path} no longer holds {old!r}"
            changed.write_text(text.replace(old, new, 1))
            warm[kind] = run_process(portal)
            assert warm[kind].returncode == 0
        floor = min(run_process([sys.executable, "-m", "reconciler", "--version"]).seconds for _ in range(3))
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
    walls = sorted(m.seconds for m in warm.values())
    median, slowest = walls[len(walls) // 2], max(warm, key=lambda k: warm[k].seconds)
    peak = max(cold.peak_rss_mib, *(m.peak_rss_mib for m in warm.values()))
    return [
        f"validate cold: {cold.seconds:.2f} s for {DOCUMENTS} documents = {ours:,.0f} documents/s "
        f"(target >= 5,000), peak RSS {cold.peak_rss_mib:.0f} MiB (target <= 300)",
        "validate after a one-file change (target <= 0.3 s; bytecode compiled, as installed): "
        + ", ".join(f"{kind} {m.seconds:.2f} s" for kind, m in warm.items())
        + f"; portal --version {floor:.2f} s (the floor of a fresh process): median {median / floor:.1f}x it",
        f"check-jsonschema (7 invocations, one per kind): {peer_seconds:.2f} s = {theirs:,.0f} documents/s",
        f"foundation: cold {ours:,.0f} docs/s vs check-jsonschema {theirs:,.0f} docs/s = {ours / theirs:.1f}x "
        f"(target >= 3x); one-file change median {median:.2f} s, slowest {warm[slowest].seconds:.2f} s ({slowest}); "
        f"peak RSS {peak:.0f} MiB",
    ]
