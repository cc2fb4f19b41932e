"""VRL verdicts remembered between runs, by the program's text, the enrichment tables it reads and the compiler.

Loading the VRL compiler costs more than every other check of a pipeline, and an edit of a pipeline seldom
touches its VRL: a run that finds every program's verdict here never loads the compiler. The verdicts are kept
beside the checked files in the state dir, under a name made of the checking code's fingerprint and of the
installed compiler's files, so a verdict of other code or of another compiler is never read. Like every cache
of validation, they only save time: a missing, damaged or foreign file is a run without them.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from collections.abc import Iterator
from contextvars import ContextVar
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from reconciler.load.cache import code_fingerprint, read_dict, tree_signature, write_atomically

# (program, tables) → None (Vector accepts it) or (message, is_error, line, column): a `vrl.VrlProblem`'s fields.
Key = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]
Row = tuple[str, bool, int | None, int | None] | None

_MAX_ENTRIES = 20_000  # beyond it, only the verdicts a run used are kept
_COMPILER = "vector_vrl"

_active: ContextVar[VrlVerdicts | None] = ContextVar("remembered_vrl_verdicts", default=None)


def compiler_identity(package: Path | None) -> str:
    """A digest of the compiler's installed files (name, size, modification time): it changes with any reinstall,
    so a verdict is never read under another compiler than the one that gave it."""
    if package is None:
        return "absent"
    return hashlib.sha256(tree_signature(str(package)).encode(), usedforsecurity=False).hexdigest()[:16]


def _installed_compiler() -> Path | None:
    spec = find_spec(_COMPILER)  # finds the package without loading it
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def _well_formed(row: object) -> bool:
    if row is None:
        return True
    return (
        type(row) is tuple
        and len(row) == 4
        and type(row[0]) is str
        and type(row[1]) is bool
        and all(part is None or type(part) is int for part in row[2:])
    )


class VrlVerdicts:
    """The verdicts of earlier runs (read when first asked for) and those learned in this one."""

    def __init__(self, folder: Path | None, compiler: Path | None = None) -> None:
        self.folder = folder
        self.compiler = compiler
        self._file: Path | None = None
        self._entries: dict[Any, Any] | None = None
        self.learned: dict[Key, Row] = {}
        self.used: set[Key] = set()

    @property
    def file(self) -> Path | None:
        if self.folder is not None and self._file is None:
            compiler = self.compiler if self.compiler is not None else _installed_compiler()
            self._file = self.folder / f"vrl-{code_fingerprint()}-{compiler_identity(compiler)}.marshal"
        return self._file

    def _stored(self) -> dict[Any, Any]:
        if self._entries is None:
            self._entries = read_dict(self.file) if self.file is not None else {}
        return self._entries

    def get(self, key: Key) -> tuple[bool, Row]:
        """(whether a verdict is known, the verdict)."""
        if key in self.learned:
            return True, self.learned[key]
        row = self._stored().get(key, False)
        if row is False or not _well_formed(row):
            return False, None
        self.used.add(key)
        return True, row

    def put(self, key: Key, row: Row) -> None:
        self.learned[key] = row

    def save(self) -> None:
        if self.file is None or not self.learned:
            return
        for stale in self.file.parent.glob("vrl-*.marshal"):
            if stale != self.file:
                with contextlib.suppress(OSError):  # a read-only state dir costs speed, not correctness
                    stale.unlink()
        entries = self._stored()
        if len(entries) + len(self.learned) > _MAX_ENTRIES:
            entries = {key: entries[key] for key in self.used}
        entries.update(self.learned)
        write_atomically(self.file, marshal.dumps(entries))
        self._entries = entries
        self.learned = {}


@contextlib.contextmanager
def remembering(verdicts: VrlVerdicts) -> Iterator[None]:
    """VRL judged inside consults and feeds `verdicts`."""
    token = _active.set(verdicts)
    try:
        yield
    finally:
        _active.reset(token)


def active() -> VrlVerdicts | None:
    return _active.get()
