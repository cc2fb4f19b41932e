"""The search bundle in the site brought to a new index in place, the old index serving until the switch.

Pagefind names its index files (the metadata, the index chunks, the page fragments) by a hash of their content,
and a browser finds them all from `pagefind-entry.json`. So the files the bundle lacks are added first (the
index a rebuild gives differs from the last in a few of its thousands of files), then the entry is replaced in
one rename, which switches a query to the new index, and then the files the new index no longer has are deleted.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ENTRY = "pagefind-entry.json"
_NAMED_BY_CONTENT = re.compile(r"_[0-9a-f]+\.pf_[a-z]+$")  # en_2d2967cd93.pf_meta, fragment/en_….pf_fragment


def _files(bundle: Path) -> set[str]:
    return {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()} if bundle.is_dir() else set()


def write_whole(target: Path, data: bytes) -> None:
    """Write `target` so that a reader sees the old bytes or the new, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    partial.replace(target)


def update_bundle(bundle: Path, files: dict[str, bytes]) -> None:
    """Make `bundle` hold exactly `files` (by path), switching from the old index to the new in one rename."""
    before = _files(bundle)
    for path, data in sorted(files.items()):
        if path == ENTRY:
            continue
        target = bundle / path
        if path not in before:  # nothing refers to it yet
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        elif not _NAMED_BY_CONTENT.search(path) and target.read_bytes() != data:  # a new version of Pagefind's
            write_whole(target, data)
    write_whole(bundle / ENTRY, files[ENTRY])
    for path in sorted(before - set(files)):
        (bundle / path).unlink()
    for folder in sorted((p for p in bundle.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def remove_bundle(bundle: Path) -> None:
    shutil.rmtree(bundle, ignore_errors=True)
