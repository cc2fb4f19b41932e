"""What each entity page shows, as a digest: a rebuild renders only the pages whose digest changed.

A page's digest covers the documents it is rendered from (path, position and blob id), the names it lists from
elsewhere (a team's clusters, a cluster's workspaces and pipelines, a policy's artifacts), the status rows it shows,
the options that change it, and the generator itself (its code and templates), so that any change to what a page
shows changes its digest. Pages without a digest (home, indexes, search) are rendered on every build.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import reconciler
from reconciler.model.document import Document
from reconciler.resources import schemas_dir

SITEGEN = Path(__file__).resolve().parent.parent
ENGINE = Path(reconciler.__file__).resolve().parent
SOURCES = (".py", ".html", ".js", ".css", ".json")


@cache
def generator_digest() -> str:
    """The generator's and the engine's code, templates and schemas (the Vector catalog compiles pipelines): a
    new version of any renders every page again. Read once per process, in a few milliseconds."""
    digest = hashlib.sha256()
    for root in (SITEGEN, ENGINE, schemas_dir()):
        for path in sorted(root.rglob("*")):
            if path.suffix in SOURCES and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def document_key(doc: Document | None) -> tuple[str, int, str] | None:
    """Where a document is and which content it has; a document read without a blob id is never matched."""
    if doc is None:
        return None
    return (doc.path, doc.index, doc.blob_id or f"unknown:{id(doc)}")


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(repr((generator_digest(), parts)).encode()).hexdigest()
