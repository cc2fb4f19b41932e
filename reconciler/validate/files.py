"""The per-file half of validation (parse + schema), which depends on a file's content alone and is cached.

Cold runs over large repos split the files missing from the cache between this process and a forked worker,
so both cores parse at once. VRL verdicts are remembered beside the cached files (`herald.vrl_verdicts`), so
re-checking a pipeline whose VRL an edit left alone does not load the compiler.
"""

from __future__ import annotations

import marshal
import os

from reconciler.herald.vrl_verdicts import VrlVerdicts, remembering
from reconciler.load import cache as blob_cache
from reconciler.load.cache import BlobCache, Entry
from reconciler.load.files import read_file
from reconciler.load.sources import SourceFile
from reconciler.validate.checks import check_document
from reconciler.validate.schema import SchemaSet

# Below this many files a worker process costs more than it saves.
PARALLEL_MIN_FILES = 800

# What a forked worker inherits instead of receiving it pickled (files read through closures).
_pending: tuple[list[SourceFile], SchemaSet, VrlVerdicts] | None = None


def check_file(file: SourceFile, schemas: SchemaSet) -> Entry:
    result = read_file(file)
    findings = list(result.diagnostics)
    for doc in result.documents:
        schema_findings = schemas.check(doc)
        findings.extend(schema_findings if schema_findings else check_document(doc))
    return blob_cache.encode(list(result.documents), findings)


def _check_slice(start: int, stop: int) -> bytes:
    """The entries of `files[start:stop]`, and the VRL verdicts learned on the way (for the parent to keep)."""
    assert _pending is not None
    files, schemas, verdicts = _pending
    with remembering(verdicts):
        entries = [(f.blob_id, check_file(f, schemas)) for f in files[start:stop]]
    return marshal.dumps((entries, verdicts.learned))


def _worker_count(files: int) -> int:
    if files < PARALLEL_MIN_FILES or not hasattr(os, "fork"):
        return 1
    return min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def fill_cache(files: list[SourceFile], cache: BlobCache, schemas: SchemaSet) -> None:
    """Check every file whose blob the cache does not know yet, and remember the results."""
    missing = list({f.blob_id: f for f in files if cache.get(f.blob_id) is None}.values())
    if not missing:
        return
    verdicts = VrlVerdicts(cache.dir.parent if cache.dir else None)  # kept where the cache keeps its files
    with remembering(verdicts):
        _check_missing(missing, cache, schemas, verdicts)
    verdicts.save()


def _check_missing(missing: list[SourceFile], cache: BlobCache, schemas: SchemaSet, verdicts: VrlVerdicts) -> None:
    if _worker_count(len(missing)) == 1:
        for file in missing:
            cache.put(file.blob_id, check_file(file, schemas))
        return
    import multiprocessing  # only large cold runs pay for it
    from concurrent.futures import ProcessPoolExecutor

    global _pending
    schemas.compile_all()
    _pending = (missing, schemas, verdicts)
    half = len(missing) // 2
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            theirs = pool.submit(_check_slice, half, len(missing))
            for file in missing[:half]:
                cache.put(file.blob_id, check_file(file, schemas))
            entries, learned = marshal.loads(theirs.result())
            for blob_id, entry in entries:
                cache.put(blob_id, entry)
            for key, row in learned.items():
                verdicts.put(key, row)
    finally:
        _pending = None
