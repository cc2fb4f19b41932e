"""Parsed and schema-checked files, remembered by git blob id in memory and in the state dir.

An unchanged file is never parsed or validated twice: not within a process that keeps its `BlobCache` (the
daemon, base and head of a check), and not across processes (the on-disk file). Entries hold no paths, because
one blob may sit at several; the path is attached again when an entry is used. Entries hold no positions either:
they would triple the cache's size and load time, and only the few documents that get a finding ever need them,
so those files are parsed again on demand.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from reconciler import __version__
from reconciler.collector import long_lived
from reconciler.load.sources import KnownBlobs
from reconciler.model import Diagnostic, Document, JsonPath, Location, Severity
from reconciler.resources import schemas_dir
from reconciler.state_dir import StateDir

# (documents: [(index, kind, name, marshalled body)], diagnostics: [(severity, message, line, column, subject,
# rule)]). Bodies stay marshalled until a document's body is read (see `Document.stored`): loading the cache is
# then a matter of milliseconds, and a run decodes only the bodies its checks read.
Entry = tuple[list[tuple[int, str, str, bytes]], list[tuple[str, str, int, int, str | None, str | None]]]

_MAX_ENTRIES = 50_000


def encode(documents: list[Document], diagnostics: list[Diagnostic]) -> Entry:
    return (
        [(d.index, d.kind, d.name, marshal.dumps(d.body)) for d in documents],
        [
            (
                str(x.severity),
                x.message,
                x.location.line if x.location else 1,
                x.location.column if x.location else 1,
                x.subject,
                x.rule,
            )
            for x in diagnostics
        ],
    )


class LazyPositions(Mapping[JsonPath, tuple[int, int]]):
    """A document's positions, found by parsing its file again the first time one is asked for."""

    __slots__ = ("_index", "_path", "_positions", "_read")

    def __init__(self, read: Callable[[], bytes], path: str, index: int) -> None:
        self._read, self._path, self._index = read, path, index
        self._positions: Mapping[JsonPath, tuple[int, int]] | None = None

    def _load(self) -> Mapping[JsonPath, tuple[int, int]]:
        if self._positions is None:
            from reconciler.load.yaml_documents import parse_documents  # only for a document with a finding

            parsed, _ = parse_documents(self._read().decode("utf-8-sig"), self._path)
            self._positions = next((p.positions for p in parsed if p.index == self._index), {})
        return self._positions

    def __getitem__(self, key: JsonPath) -> tuple[int, int]:
        return self._load()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._load()

    def __iter__(self) -> Iterator[JsonPath]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def decode(entry: Entry, path: str, blob_id: str, read: Callable[[], bytes]) -> tuple[list[Document], list[Diagnostic]]:
    documents = [
        Document.stored(path, index, kind, name, packed, LazyPositions(read, path, index), blob_id)
        for index, kind, name, packed in entry[0]
    ]
    diagnostics = [
        Diagnostic(Severity(severity), message, Location(path, line, column), subject, rule=rule)
        for severity, message, line, column, subject, rule in entry[1]
    ]
    return documents, diagnostics


def tree_signature(root: str, suffixes: tuple[str, ...] | None = None) -> str:
    """The name, size and modification time of every file under `root` (of those ending in `suffixes`, if given),
    one per line: it changes whenever a file is added, removed, rewritten or touched. Bytecode caches are left out."""
    rows = []
    # os.walk, not pathlib: every fresh process pays for this walk.
    for directory, folders, names in os.walk(root):
        folders[:] = [f for f in folders if f != "__pycache__"]
        for name in names:
            if suffixes is None or name.endswith(suffixes):
                path = os.path.join(directory, name)
                stat = os.stat(path)
                rows.append(f"{os.path.relpath(path, root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(sorted(rows))


@functools.cache
def code_fingerprint() -> str:
    """Changes whenever the checking code or the schemas do, so results of older code are never reused."""
    digest = hashlib.sha256(__version__.encode(), usedforsecurity=False)
    for root in (str(Path(__file__).resolve().parent.parent), str(schemas_dir())):
        digest.update(tree_signature(root, (".py", ".json")).encode())
    return digest.hexdigest()[:16]


class BlobCache:
    """Entries live in shards by the first character of the blob id, so that a run which learns one new blob
    rewrites a sixteenth of the cache, not all of it."""

    def __init__(self, state_dir: Path | None, fingerprint: str) -> None:
        self.key = f"{code_fingerprint()}-{fingerprint}"
        self.dir = StateDir(state_dir).cache / f"files-{self.key}" if state_dir else None
        self.entries: dict[str, Entry] = self._read() if self.dir else {}
        self.dirty: set[str] = set()

    def _read(self) -> dict[str, Entry]:
        assert self.dir is not None
        entries: dict[str, Entry] = {}
        for shard in self.dir.glob("*.marshal"):
            entries.update(read_dict(shard))
        return entries

    def get(self, blob_id: str) -> Entry | None:
        return self.entries.get(blob_id) if blob_id else None

    def put(self, blob_id: str, entry: Entry) -> None:
        if blob_id:
            self.entries[blob_id] = entry
            self.dirty.add(blob_id[0])

    def save(self, keep: set[str]) -> None:
        """Persist the shards that changed; beyond the size cap, keep only the blobs of this run."""
        if not self.dir or not self.dirty:
            return
        for stale in self.dir.parent.glob("files-*"):
            if stale != self.dir:
                shutil.rmtree(stale, ignore_errors=True)  # written by other code or schemas: never valid again
        if len(self.entries) > _MAX_ENTRIES:
            for blob_id in [b for b in self.entries if b not in keep]:
                del self.entries[blob_id]
            self.dirty = {b[0] for b in self.entries}
        shards: dict[str, dict[str, Entry]] = {c: {} for c in self.dirty}
        for blob_id, entry in self.entries.items():
            shard = shards.get(blob_id[0])
            if shard is not None:
                shard[blob_id] = entry
        for char, shard in shards.items():
            write_atomically(self.dir / f"{ord(char):02x}.marshal", marshal.dumps(shard))
        self.dirty = set()


def read_dict(path: Path) -> dict[Any, Any]:
    """A dict written by `write_atomically(path, marshal.dumps(...))`; empty when missing or damaged, which
    costs speed, never correctness."""
    try:
        with long_lived():  # what the state dir remembers is kept until the run ends
            data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only state dir costs speed, not correctness


class KnownBlobsFile:
    """The blob ids of a working tree's files by stat signature, kept in the state dir between runs."""

    def __init__(self, state_dir: Path | None, root: Path) -> None:
        tag = hashlib.sha256(str(root.resolve()).encode(), usedforsecurity=False).hexdigest()[:16]
        self.file = StateDir(state_dir).cache / f"stat-{tag}.marshal" if state_dir else None
        stored = read_dict(self.file) if self.file else {}
        self.known: KnownBlobs = stored if _well_formed(stored) else {}
        self._loaded = dict(self.known)

    def save(self) -> None:
        if self.file and self.known != self._loaded:
            write_atomically(self.file, marshal.dumps(self.known))


def _well_formed(known: dict[Any, Any]) -> bool:
    """Whether a stored stat index has the shape this code writes; one from other code or damaged is not used."""
    return all(
        type(entry) is tuple
        and len(entry) == 2
        and type(entry[0]) is tuple
        and len(entry[0]) == 3
        and type(entry[1]) is str
        and type(path) is str
        for path, entry in known.items()
    )
