"""Real git repositories for tests, written with pygit2."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pygit2

AUTHOR = pygit2.Signature("Alice Example", "alice@acme.dev", 1_795_700_000, 0)


def _tree(repo: pygit2.Repository, files: Mapping[str, bytes | str | tuple[str, str]]) -> pygit2.Oid:
    """Build nested trees; a ("link", target) value makes a symbolic link."""
    children: dict[str, dict] = {}
    blobs: dict[str, tuple[pygit2.Oid, int]] = {}
    for path, content in files.items():
        head, _, rest = path.partition("/")
        if rest:
            children.setdefault(head, {})[rest] = content
        elif isinstance(content, tuple):
            blobs[head] = (repo.create_blob(content[1].encode()), pygit2.enums.FileMode.LINK)
        else:
            data = content.encode() if isinstance(content, str) else content
            blobs[head] = (repo.create_blob(data), pygit2.enums.FileMode.BLOB)
    builder = repo.TreeBuilder()
    for name, (oid, mode) in blobs.items():
        builder.insert(name, oid, mode)
    for name, sub in children.items():
        builder.insert(name, _tree(repo, sub), pygit2.enums.FileMode.TREE)
    return builder.write()


def commit(
    path: Path,
    files: Mapping[str, bytes | str | tuple[str, str]],
    message: str = "change",
    author: str | None = None,
) -> str:
    """Commit exactly `files` (the whole tree) on top of HEAD of the repo at `path`, creating it if needed;
    `author` (an email) replaces alice as the commit's author."""
    repo = pygit2.Repository(str(path)) if (path / ".git").exists() else pygit2.init_repository(str(path))
    parents = [] if repo.head_is_unborn else [repo.head.target]
    signature = pygit2.Signature(author, author, AUTHOR.time, 0) if author else AUTHOR
    oid = repo.create_commit("HEAD", signature, AUTHOR, message, _tree(repo, files), parents)
    return str(oid)
