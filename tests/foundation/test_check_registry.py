"""Every domain declares its own checks; the validator assembles them and loads none it does not run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reconciler.validate.checks import CHECKS, DOCUMENT_CHECKS
from tests.conftest import write_files
from tests.foundation.repos import TEAM, valid_repo

HEAVY_CHECKERS = (
    "reconciler.keeper.commit",
    "reconciler.herald.check",
    "reconciler.herald.placement",
    "reconciler.validate.identities",
)
PROBE = """
import sys
from pathlib import Path
from reconciler.load.sources import working_tree
from reconciler.validate import validate_source
validation = validate_source(working_tree(Path(sys.argv[1])), state_dir=Path(sys.argv[2]))
print(len(validation.errors), *sorted(m for m in sys.modules if m in {heavy!r}))
"""


def test_every_domain_declares_its_checks() -> None:
    assert [c.name for c in CHECKS] == [
        "duplicates",
        "references",
        "hidden",
        "connections",
        "chambers",
        "herald",
        "identities",
        "keeper",
    ]
    assert set(DOCUMENT_CHECKS) == {"Artifact", "Pipeline"}


def test_a_run_whose_findings_are_remembered_loads_no_heavy_checker(tmp_path: Path) -> None:
    repo, state = tmp_path / "repo", tmp_path / "state"
    write_files(repo, valid_repo())
    probe = [sys.executable, "-c", PROBE.format(heavy=set(HEAVY_CHECKERS)), str(repo), str(state)]
    first = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.split()
    assert first[0] == "0" and set(first[1:]) >= {"reconciler.keeper.commit", "reconciler.validate.identities"}
    write_files(repo, {"teams/payments.yaml": TEAM.replace("Payments", "Payments team")})
    again = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.split()
    # A Team edit re-runs Keeper's rules (they read teams) but not the placements, identities or pipeline checks.
    assert again == ["0", "reconciler.keeper.commit"]
    untouched = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.split()
    assert untouched == ["0"]
