"""VRL verdicts remembered in the state dir: an edit that leaves a pipeline's VRL alone is checked without the
compiler, and what is remembered never changes a finding (an empty, damaged or foreign store is only slower)."""

from __future__ import annotations

import marshal
import subprocess
import sys
from pathlib import Path

import pytest

import reconciler.herald.vrl
import reconciler.herald.vrl_verdicts
import reconciler.validate.files
from reconciler.herald.vrl_verdicts import VrlVerdicts, compiler_identity
from reconciler.load.sources import working_tree
from reconciler.model import Diagnostic
from reconciler.validate import validate_source
from reconciler.validate.memo import ValidationMemo
from tests.conftest import write_files
from tests.herald.builders import APP_LOGS, repo_files
from tests.spies import record_calls

PROGRAM = "        . = merge(., object!(parse_json!(.message)))\n"
# Fallible without a `!`: an error the compiler alone finds, placed on the program's second line.
FALLIBLE = PROGRAM + "        .level = upcase(.level)\n"
BROKEN_LOGS = APP_LOGS.replace(PROGRAM, FALLIBLE)
# The same pipeline with other VRL, so that two pipelines never share a program.
OTHER_LOGS = APP_LOGS.replace("name: app-logs", "name: other-logs").replace(".message", ".msg")
OTHER_LOGS = OTHER_LOGS.replace("parse:", "parse_other:").replace("[parse]", "[parse_other]")


def _validate(root: Path, state: Path | None) -> tuple[Diagnostic, ...]:
    return validate_source(working_tree(root), memo=ValidationMemo(state)).diagnostics


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The programs the compiler is given (in this process, whose own per-process cache is emptied first)."""
    reconciler.herald.vrl._judge.cache_clear()
    yield record_calls(monkeypatch, reconciler.herald.vrl, "_compile", lambda program, tables: program)
    reconciler.herald.vrl._judge.cache_clear()


def _vrl_finding(findings: tuple[Diagnostic, ...]) -> list[str]:
    return [f"{d.location}: {d.message}" for d in findings if "VRL" in d.message]


def test_an_edit_that_leaves_the_vrl_alone_is_checked_without_the_compiler(tmp_path: Path, compiled: list[str]) -> None:
    root, state = tmp_path / "repo", tmp_path / "state"
    write_files(root, repo_files(("app-logs", BROKEN_LOGS)))
    cold = _validate(root, state)
    assert _vrl_finding(cold) == [
        "pipelines/app-logs.yaml:25:9: transforms.parse: VRL in `source` (line 2, column 1 of the program) does not "
        "compile: unhandled fallible assignment"
    ]
    write_files(root, {"pipelines/app-logs.yaml": BROKEN_LOGS.replace("to Loki", "to Loki, reworded")})
    compiled.clear()
    reconciler.herald.vrl._judge.cache_clear()
    warm = _validate(root, state)
    assert compiled == []  # every verdict came from the state dir
    reconciler.herald.vrl._judge.cache_clear()
    assert warm == _validate(root, None) == cold
    assert compiled  # without a state dir, the same findings come from the compiler


def test_an_edit_of_the_vrl_is_judged_again(tmp_path: Path, compiled: list[str]) -> None:
    root, state = tmp_path / "repo", tmp_path / "state"
    write_files(root, repo_files(("app-logs", APP_LOGS)))
    assert _validate(root, state) == ()
    # The error comes (a program never judged: compiled), then goes (the first program again: remembered).
    for text, errors, compiles in ((BROKEN_LOGS, 1, True), (APP_LOGS.replace("to Loki", "to Loki again"), 0, False)):
        write_files(root, {"pipelines/app-logs.yaml": text})
        reconciler.herald.vrl._judge.cache_clear()
        compiled.clear()
        warm = _validate(root, state)
        assert len(_vrl_finding(warm)) == errors
        assert bool(compiled) is compiles
        reconciler.herald.vrl._judge.cache_clear()
        assert warm == _validate(root, None)


@pytest.mark.parametrize("stored", [b"", b"\x00garbage", marshal.dumps({"not": "a verdict"}), marshal.dumps([1])])
def test_a_damaged_store_only_costs_time(tmp_path: Path, compiled: list[str], stored: bytes) -> None:
    root, state = tmp_path / "repo", tmp_path / "state"
    write_files(root, repo_files(("app-logs", BROKEN_LOGS)))
    cold = _validate(root, state)
    [store] = (state / "cache").glob("vrl-*.marshal")
    store.write_bytes(stored)
    write_files(root, {"pipelines/app-logs.yaml": BROKEN_LOGS.replace("to Loki", "to Loki, reworded")})
    reconciler.herald.vrl._judge.cache_clear()
    assert _validate(root, state) == cold


def test_a_verdict_of_the_wrong_shape_is_judged_again(tmp_path: Path, compiled: list[str]) -> None:
    root, state = tmp_path / "repo", tmp_path / "state"
    write_files(root, repo_files(("app-logs", BROKEN_LOGS)))
    cold = _validate(root, state)
    [store] = (state / "cache").glob("vrl-*.marshal")
    entries = marshal.loads(store.read_bytes())
    store.write_bytes(marshal.dumps({key: ("fine", "yes", None, None) for key in entries}))
    write_files(root, {"pipelines/app-logs.yaml": BROKEN_LOGS.replace("to Loki", "to Loki, reworded")})
    reconciler.herald.vrl._judge.cache_clear()
    compiled.clear()
    assert _validate(root, state) == cold
    assert compiled


def test_verdicts_of_another_compiler_are_never_read(tmp_path: Path) -> None:
    compiler = tmp_path / "vector_vrl"
    write_files(compiler, {"__init__.py": "", "_bindings/vector_bindings.so": "one build"})
    key = ("program", ())
    first = VrlVerdicts(tmp_path / "cache", compiler)
    first.put(key, None)
    first.save()
    assert VrlVerdicts(tmp_path / "cache", compiler).get(key) == (True, None)

    before = compiler_identity(compiler)
    write_files(compiler, {"_bindings/vector_bindings.so": "another build"})
    assert compiler_identity(compiler) != before
    assert VrlVerdicts(tmp_path / "cache", compiler).get(key) == (False, None)


# A cold run in a process of its own (forking is for a process without threads): a forked worker checks half the
# files, and the verdicts it learns must reach the store too.
SPLIT_COLD_RUN = """
import sys
from pathlib import Path
import reconciler.validate.files
from reconciler.load.sources import working_tree
from reconciler.validate import validate_source
from reconciler.validate.memo import ValidationMemo
reconciler.validate.files.PARALLEL_MIN_FILES = 2
validate_source(working_tree(Path(sys.argv[1])), memo=ValidationMemo(Path(sys.argv[2])))
"""


def test_a_cold_run_split_across_processes_keeps_every_verdict(tmp_path: Path, compiled: list[str]) -> None:
    root, state = tmp_path / "repo", tmp_path / "state"
    write_files(root, repo_files(("app-logs", BROKEN_LOGS), ("other-logs", OTHER_LOGS)))
    subprocess.run([sys.executable, "-c", SPLIT_COLD_RUN, str(root), str(state)], check=True)
    for name in ("app-logs", "other-logs"):  # an edit of either is checked without the compiler
        path = f"pipelines/{name}.yaml"
        write_files(root, {path: (root / path).read_text().replace("to Loki", "to Loki, reworded")})
    warm = _validate(root, state)
    assert compiled == []
    assert warm == _validate(root, None)
    assert len(_vrl_finding(warm)) == 1


def test_beyond_its_size_cap_the_store_keeps_what_the_last_run_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconciler.herald.vrl_verdicts, "_MAX_ENTRIES", 2)
    compiler = write_files(tmp_path / "vector_vrl", {"__init__.py": ""})
    first = VrlVerdicts(tmp_path / "cache", compiler)
    for program in ("old", "used"):
        first.put((program, ()), None)
    first.save()
    second = VrlVerdicts(tmp_path / "cache", compiler)
    assert second.get(("used", ()))[0]
    second.put(("new", ()), ("unhandled error", True, 1, 1))
    second.save()
    third = VrlVerdicts(tmp_path / "cache", compiler)
    assert [third.get((program, ()))[0] for program in ("old", "used", "new")] == [False, True, True]
    assert third.get(("new", ())) == (True, ("unhandled error", True, 1, 1))
