"""Test verdicts remembered in the state dir by what decides them: what the pipeline's Vector config is compiled
from (its global options and components, which compile to the same config every time) and its tests, with this
code, so an unchanged pipeline's tests are not run again. Finding them compiles nothing and loads neither the
catalog nor the simulator. Verdicts are stored without file positions: they are placed in the document they are
read for."""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Sequence
from pathlib import Path

from reconciler.herald.tests.results import Status, Verdict
from reconciler.load.cache import code_fingerprint, read_dict, write_atomically
from reconciler.model.checks import document_token
from reconciler.model.document import Document
from reconciler.model.kinds import Pipeline
from reconciler.state_dir import StateDir

_Row = tuple[str, str, str, tuple[str | int, ...]]  # test, status, reason, path


def results_key(pipeline: Pipeline) -> str:
    """What the pipeline's config is compiled from, and its tests, hashed."""
    decided_by = [
        pipeline.global_options,
        pipeline.sources,
        pipeline.transforms,
        pipeline.sinks,
        list(pipeline.tests),
    ]
    text = json.dumps(decided_by, sort_keys=True, default=str)
    return hashlib.sha256(text.encode(), usedforsecurity=False).hexdigest()


class TestMemo:
    """Results by `results_key`; in memory, and in the state dir's cache when there is one."""

    __test__ = False  # not a pytest class

    def __init__(self, state_dir: Path | None) -> None:
        self.file = StateDir(state_dir).cache / f"pipeline-tests-{code_fingerprint()}.marshal" if state_dir else None
        self._entries: dict[str, list[_Row]] | None = None  # read on first use: a commit may have no tests
        self.changed = False
        self.used: set[str] = set()  # what this run asked for: all that is kept, so the file does not grow

    @property
    def entries(self) -> dict[str, list[_Row]]:
        if self._entries is None:
            self._entries = read_dict(self.file) if self.file else {}
        return self._entries

    def verdicts(self, pipeline: Pipeline) -> list[Verdict]:
        key = results_key(pipeline)
        rows = self.entries.get(key)
        self.used.add(key)
        if rows is not None:
            return [Verdict(test, _status(status), reason, path) for test, status, reason, path in rows]
        from reconciler.herald.tests.runner import pipeline_verdicts  # the simulator: only when tests must run

        verdicts = pipeline_verdicts(pipeline)
        self.entries[key] = [(v.test, v.status, v.reason, tuple(v.path)) for v in verdicts]
        self.changed = True
        return verdicts

    def untested(self, pipelines: Sequence[Document]) -> bool:
        """Whether these Pipeline documents were found to hold no test before (`remember_untested`): then no
        Pipeline is built to ask again."""
        key = _untested_key(pipelines)
        self.used.add(key)
        return key in self.entries

    def remember_untested(self, pipelines: Sequence[Document]) -> None:
        key = _untested_key(pipelines)
        self.used.add(key)
        self.entries[key] = []
        self.changed = True

    def save(self) -> None:
        if self.file and self.changed:
            for stale in self.file.parent.glob("pipeline-tests-*.marshal"):
                if stale != self.file:
                    stale.unlink(missing_ok=True)
            kept = {key: rows for key, rows in self.entries.items() if key in self.used}
            write_atomically(self.file, marshal.dumps(kept))
            self.changed = False


def _untested_key(pipelines: Sequence[Document]) -> str:
    tokens = "\n".join(document_token(doc) for doc in pipelines)
    return "untested:" + hashlib.sha256(tokens.encode(), usedforsecurity=False).hexdigest()


def _status(text: str) -> Status:
    return "passed" if text == "passed" else "failed" if text == "failed" else "not run"
