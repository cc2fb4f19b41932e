"""[check] `portal check` of a 10-file change to a 10,000-document repo, as a fresh process: with the state dir
warm from the base (target <= 1.5 s) and with none (a CI runner's first run); peak RSS (target <= 300 MiB).

Peer, in the same run: `portal validate` of the whole head with no state dir, and the ratio to it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.bench.measure import run_process
from tests.bench.synthetic import write_repo
from tests.gitrepo import commit

DOCUMENTS = 10_000
# (file, text, replacement): ten small edits, two of each kind a pull request usually touches
EDITS = (
    ("workspaces/workspace-11.yaml", "idleTimeout: 4h", "idleTimeout: 6h"),
    ("workspaces/workspace-12.yaml", "idleTimeout: 4h", "idleTimeout: 8h"),
    ("artifacts/artifact-13.yaml", "changelog: Release 1.", "changelog: Release 1, reworded."),
    ("artifacts/artifact-14.yaml", "changelog: Release 1.", "changelog: Release 1, reworded."),
    ("pipelines/pipeline-17.yaml", "Synthetic pipeline 17", "Synthetic pipeline seventeen"),
    ("pipelines/pipeline-18.yaml", "Synthetic pipeline 18", "Synthetic pipeline eighteen"),
    ("clusters/cluster-19.yaml", "drift: correct", "drift: warn"),
    ("clusters/cluster-21.yaml", "drift: correct", "drift: warn"),
    ("teams/team-7.yaml", "Team 7", "Team seven"),
    ("teams/team-8.yaml", "Team 8", "Team eight"),
)


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in root.rglob("*.yaml")}


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        tree, repo = Path(tmp) / "tree", Path(tmp) / "repo"
        write_repo(tree, DOCUMENTS)
        files = _files(tree)
        base = commit(repo, files, "base")
        for path, old, new in EDITS:
            assert old in files[path], f"the synthetic {path} no longer holds {old!r}"
            files[path] = files[path].replace(old, new, 1)
        head = commit(repo, files, "ten files")
        portal = [sys.executable, "-m", "reconciler"]
        warm_state = Path(tmp) / "warm"
        warmed = run_process([*portal, "validate", "--repo", str(repo), "--ref", base, "--state-dir", str(warm_state)])
        assert warmed.returncode == 0, "the synthetic repo must validate clean"
        check = [*portal, "check", "--repo", str(repo), "--base", base, "--head", head, "--format", "json"]
        warm = run_process([*check, "--state-dir", str(warm_state)])
        assert warm.returncode == 0, "the ten-file change must check clean"
        assert '"documentsChanged": 10' in warm.stdout
        cold = run_process([*check, "--state-dir", str(Path(tmp) / "cold")])
        assert cold.returncode == 0
        peer = run_process(
            [*portal, "validate", "--repo", str(repo), "--ref", head, "--state-dir", str(Path(tmp) / "peer")]
        )
        assert peer.returncode == 0
    peak = max(warm.peak_rss_mib, cold.peak_rss_mib)
    return [
        f"check of a 10-file change, state dir warm from the base: {warm.seconds:.2f} s (target <= 1.5 s; "
        f"{warm.cpu_seconds:.2f} s of CPU), peak RSS {warm.peak_rss_mib:.0f} MiB",
        f"check with no state dir (a CI runner's first run): {cold.seconds:.2f} s, "
        f"peak RSS {cold.peak_rss_mib:.0f} MiB",
        f"peer: validate of the whole head with no state dir: {peer.seconds:.2f} s, "
        f"peak RSS {peer.peak_rss_mib:.0f} MiB",
        f"check: warm {warm.seconds:.2f} s vs validate cold {peer.seconds:.2f} s = {warm.seconds / peer.seconds:.2f}x; "
        f"cold {cold.seconds / peer.seconds:.2f}x; peak RSS {peak:.0f} MiB (target <= 300)",
    ]
