"""Benchmark: `portal validate` of 100 pipelines with 10 tests each; the tests' budget is 2 s, and a rerun of
unchanged pipelines runs none of them again.

Peer: no `vector` binary can run here (`vector test` would start a topology per test), so the figure set beside
ours is the same `validate` with `--no-tests`: what the tests add to a validation.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from pathlib import Path
from typing import Any

from reconciler.cli import main
from tests.bench.herald import CLUSTERS, _document, _write_yaml, cluster_body, pipeline_body

PIPELINES = 100
TESTS_PER_PIPELINE = 10
BUDGET_SECONDS = 2.0


def pipeline_tests(n: int) -> list[dict[str, Any]]:
    """Ten tests through the remap, filter, route, sample and throttle of the benchmark pipeline, both forms."""

    def log(level: str, **extra: Any) -> dict[str, Any]:
        return {"insert_at": f"parse_{n}", "type": "log", "log_fields": {"message": f'{{"level":"{level}"}}', **extra}}

    tests: list[dict[str, Any]] = [
        {
            "name": "errors are routed",
            "inputs": [log("error")],
            "outputs": [{"extract_from": f"by_level_{n}.errors", "conditions": ['assert_eq!(.level, "error")']}],
        },
        {
            "name": "debug is filtered out",
            "inputs": [log("debug")],
            "no_outputs_from": [f"keep_{n}"],
        },
        {
            "name": "warnings are throttled",
            "inputs": [log("warn"), log("warn")],
            "outputs": [{"extract_from": f"limit_{n}", "expected_event_count": 2, "conditions": ['.level == "warn"']}],
        },
        {
            "name": "the rest is sampled",
            "inputs": [log("info") for _ in range(3)],
            "outputs": [
                {"extract_from": f"sample_{n}", "expected_event_count": 1, "conditions": ['.sample_rate == "10"']}
            ],
        },
        {
            "name": "the variant is set",
            "inputs": [log("info")],
            "outputs": [{"extract_from": f"parse_{n}", "conditions": [{"type": "vrl", "source": "exists(.variant)"}]}],
        },
        {
            "name": "short form",
            "input": {"into": f"parse_{n}", "log": {"message": '{"level":"error","msg":"boom"}'}},
            "expect": {"from": f"by_level_{n}.errors", "fields": {"level": "error", "msg": "boom"}},
        },
    ]
    for i in range(TESTS_PER_PIPELINE - len(tests)):
        tests.append(
            {
                "name": f"field {i} survives",
                "inputs": [log("info", extra=str(i))],
                "outputs": [
                    {"extract_from": f"keep_{n}", "conditions": [{"type": "is_log"}, f'assert_eq!(.extra, "{i}")']}
                ],
            }
        )
    return tests


def write_repo(root: Path) -> None:
    for i in range(CLUSTERS):
        _write_yaml(root / "clusters" / f"cluster-{i:02d}.yaml", cluster_body(i))
    _write_yaml(root / "clusters" / "mgmt.yaml", {**cluster_body(0), "metadata": {"name": "mgmt"},
                "spec": {"role": "management", "connection": {"context": "mgmt"}}})  # fmt: skip
    for team in ("payments", "platform"):
        access = {"users": [{"name": "lead@example.com", "role": "admin"}]}
        _write_yaml(root / "teams" / f"{team}.yaml", _document("Team", team, {"access": access}))
    for i in range(PIPELINES):
        body = pipeline_body(i)
        body["spec"]["tests"] = pipeline_tests(i)
        _write_yaml(root / "pipelines" / f"bench-{i:04d}.yaml", body)


def _validate(*args: str) -> tuple[float, int, str]:
    out = io.StringIO()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(out):
        start = time.perf_counter()
        code = main(["validate", *args])
        elapsed = time.perf_counter() - start
    return elapsed, code, out.getvalue()


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        write_repo(repo)
        state = ["--state-dir", str(Path(tmp) / "state")]
        _validate(str(repo), "--no-tests", *state)  # files parsed and checked: what is left is the tests
        peer, peer_code, _ = _validate(str(repo), "--no-tests", *state)
        ours, code, out = _validate(str(repo), *state)
        assert code == peer_code == 0, out
        cached, _, _ = _validate(str(repo), *state)
    tests = PIPELINES * TESTS_PER_PIPELINE
    return [
        f"herald tests: validate with {PIPELINES} pipelines x {TESTS_PER_PIPELINE} tests ({tests} tests run): "
        f"{ours:.2f} s, of which the tests {ours - peer:.2f} s (budget {BUDGET_SECONDS:.1f} s)",
        f"herald tests: peer validate --no-tests of the same repo, its checks remembered: {peer * 1000:.1f} ms; "
        f"with tests / without: {ours / peer:.1f}x",
        f"herald tests: rerun, results remembered by what each config compiles from and its tests: "
        f"{cached * 1000:.1f} ms ({cached / peer:.2f}x the peer)",
    ]
