"""Where a repo's files come from: a working tree on disk, or a commit read straight from git's object store.

Both yield the same `SourceFile`s, identified by git blob id (for working-tree files we compute the id git
would give the content), so the parse cache works across the two.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat as stat_module
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.collector import long_lived
from reconciler.passwords import shown_url, without_passwords
from reconciler.state_dir import StateDir

if TYPE_CHECKING:
    import pathspec
    import pygit2

IGNORE_FILE = ".portalignore"
# In a folder `portal site build` wrote: its YAML files (Helm repository indexes) are the site's, never documents.
BUILT_SITE_MARKER = ".portal-site"
DOCUMENT_SUFFIXES = (".yaml", ".yml")
# The static catalog's settings (`portal site`): a file of the repo, never a document.
SITE_CONFIG = "site/mkdocs.yml"
MAX_FILE_BYTES = 1024 * 1024
# A remote that accepts the connection and then says nothing must not hang a command (or the daemon) forever.
GIT_CONNECT_TIMEOUT_MS = 15_000
GIT_READ_TIMEOUT_MS = 60_000
_RACY_NS = 2_000_000_000

# path → ((size, mtime_ns, inode), git blob id) of working-tree files read before
KnownBlobs = dict[str, tuple[tuple[int, int, int], str]]
# git tree entry modes (pygit2.enums.FileMode), spelled out so that reading a working tree never imports pygit2
_TREE, _BLOB, _BLOB_EXECUTABLE, _LINK = 0o040000, 0o100644, 0o100755, 0o120000


class SourceError(Exception):
    """The repo cannot be read at all (bad path, bad ref, not a repository): a usage/environment error."""


@dataclass(slots=True)  # not frozen, which makes building one 5× slower: one per file in every run
class SourceFile:
    path: str  # posix path relative to the repo root
    blob_id: str  # git blob id; "symlink" / "oversized:<size>" / "special:<what>" for files refused unread
    size: int
    is_symlink: bool
    read: Callable[[], bytes]
    special: str | None = None  # "a FIFO", "a socket", "a device": never opened (a FIFO would block forever)


@dataclass(frozen=True, slots=True)
class RepoSource:
    description: str  # shown to users: a directory, or "<repo>@<ref> (<sha>)"
    files: tuple[SourceFile, ...]  # the document files, sorted by path
    commit: str | None = None  # the commit id when read from git
    author: str | None = None  # the commit author's email when read from git
    read_text: Callable[[str], str | None] = lambda _path: None  # any repo file (e.g. a README), or None
    committed_at: datetime | None = None  # the committer's time when read from git


def git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def is_document_path(path: str, ignore: pathspec.PathSpec | None) -> bool:
    if not path.endswith(DOCUMENT_SUFFIXES) or any(p.startswith(".") for p in path.split("/")):
        return False
    if path == SITE_CONFIG:
        return False
    return not (ignore and ignore.match_file(path))


def ignore_spec(text: str | None) -> pathspec.PathSpec | None:
    if not text:
        return None
    import pathspec  # only repos with a .portalignore pay for it

    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())


def working_tree(root: Path, known: KnownBlobs | None = None) -> RepoSource:
    """The document files under `root`. `known` (path → stat, blob id) spares reading files whose stat is
    unchanged, as git's index does; it is updated in place with what this walk learned."""
    if not root.is_dir():
        raise SourceError(f"{root}: not a directory")
    ignore_file = root / IGNORE_FILE
    ignore = ignore_spec(ignore_file.read_text(encoding="utf-8", errors="replace") if ignore_file.is_file() else None)
    files: list[SourceFile] = []
    with long_lived():  # one SourceFile per file, kept as long as the source
        _walk(str(root), "", ignore, known if known is not None else {}, files)
    files.sort(key=lambda f: f.path)
    if known is not None:
        for gone in known.keys() - {f.path for f in files}:
            del known[gone]

    def read_text(path: str) -> str | None:
        target = (root / path).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            return None
        return target.read_text(encoding="utf-8", errors="replace")

    return RepoSource(str(root), tuple(files), read_text=read_text)


def _walk(
    directory: str, prefix: str, ignore: pathspec.PathSpec | None, known: KnownBlobs, files: list[SourceFile]
) -> None:
    # Plain strings and a list filled in place, not pathlib nor generators: this runs once per file of repos
    # with tens of thousands of them, in every fresh process.
    try:
        entries = list(os.scandir(directory))
    except OSError as exc:
        raise SourceError(f"{directory}: {exc.strerror}") from exc
    if prefix and any(entry.name == BUILT_SITE_MARKER for entry in entries):
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        rel = prefix + name
        if entry.is_dir(follow_symlinks=False):
            if not (ignore and ignore.match_file(rel + "/")):
                _walk(entry.path, rel + "/", ignore, known, files)
        # No part of `rel` starts with a dot (those were skipped above): only the suffix, the site settings and
        # the ignore file are left of `is_document_path`.
        elif name.endswith(DOCUMENT_SUFFIXES) and rel != SITE_CONFIG and not (ignore and ignore.match_file(rel)):
            files.append(_disk_file(entry, rel, known))


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _special_kind(mode: int) -> str:
    if stat_module.S_ISFIFO(mode):
        return "a FIFO"
    if stat_module.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat_module.S_ISCHR(mode) or stat_module.S_ISBLK(mode) else "not a regular file"


def _disk_file(entry: os.DirEntry[str], rel: str, known: KnownBlobs) -> SourceFile:
    if entry.is_symlink():
        return SourceFile(rel, "symlink", 0, True, lambda: b"")
    stat = entry.stat()
    if not stat_module.S_ISREG(stat.st_mode):
        special = _special_kind(stat.st_mode)
        return SourceFile(rel, f"special:{special}", 0, False, lambda: b"", special)
    if stat.st_size > MAX_FILE_BYTES:
        return SourceFile(rel, f"oversized:{stat.st_size}", stat.st_size, False, lambda: b"")
    signature = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    seen = known.get(rel)
    if seen is not None and seen[0] == signature:
        return SourceFile(rel, seen[1], stat.st_size, False, functools.partial(_read_bytes, entry.path))
    content = _read_bytes(entry.path)
    blob_id = git_blob_id(content)
    # A file written within the clock's resolution of now could change again unseen: do not vouch for it yet.
    if time.time_ns() - stat.st_mtime_ns > _RACY_NS:
        known[rel] = (signature, blob_id)
    return SourceFile(rel, blob_id, len(content), False, lambda: content)


def _open_repository(
    location: str, state_dir: Path, callbacks: pygit2.RemoteCallbacks | None = None, fetch: bool = True
) -> pygit2.Repository:
    import pygit2  # only commands that read git pay for it

    local = Path(location)
    if local.exists():
        found = pygit2.discover_repository(str(local))
        if found is None:
            raise SourceError(f"{location}: not a git repository")
        return pygit2.Repository(found)
    if "://" not in location and "@" not in location:
        raise SourceError(f"{location}: no such repository")
    # A remote: keep a bare mirror in the state dir and fetch it on each use.
    mirror = StateDir(state_dir).git / hashlib.sha256(location.encode()).hexdigest()[:16]
    pygit2.settings.server_connect_timeout = GIT_CONNECT_TIMEOUT_MS
    pygit2.settings.server_timeout = GIT_READ_TIMEOUT_MS
    try:
        if mirror.exists():
            repo = pygit2.Repository(str(mirror))
            if not fetch:
                return repo
            repo.remotes["origin"].fetch(
                ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"], callbacks=callbacks
            )
            return repo
        return pygit2.clone_repository(location, str(mirror), bare=True, callbacks=callbacks)
    except (pygit2.GitError, KeyError) as exc:
        reason = without_passwords(str(exc), location)
        if "timed out" in reason:
            limits = f"{GIT_CONNECT_TIMEOUT_MS / 1000:g} s to connect, {GIT_READ_TIMEOUT_MS / 1000:g} s per read"
            reason += f" (the server did not answer within {limits})"
        raise SourceError(f"{shown_url(location)}: cannot fetch: {reason}") from None


def _resolve(repo: pygit2.Repository, location: str, ref: str) -> pygit2.Commit:
    import pygit2

    try:
        return repo.revparse_single(ref).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError) as exc:
        raise SourceError(f"{shown_url(location)}: unknown ref {ref!r}") from exc


def head_commit(location: str, ref: str, state_dir: Path, callbacks: pygit2.RemoteCallbacks | None = None) -> str:
    """The id of the commit `ref` names, after fetching a remote (with `callbacks`' credentials and host checks);
    nothing of its tree is read."""
    return str(_resolve(_open_repository(location, state_dir, callbacks), location, ref).id)


def git_commit(
    location: str,
    ref: str,
    state_dir: Path,
    callbacks: pygit2.RemoteCallbacks | None = None,
    *,
    fetch: bool = True,
) -> RepoSource:
    """The commit `ref` names in the repository at `location`; a remote is fetched first (with `callbacks`'
    credentials and host checks) unless `fetch` is False and its mirror is there."""
    import pygit2

    repo = _open_repository(location, state_dir, callbacks, fetch)
    commit = _resolve(repo, location, ref)
    tree = commit.tree

    def blob_text(path: str) -> str | None:
        try:
            obj = tree[path]
        except KeyError:
            return None
        return obj.data.decode("utf-8", errors="replace") if obj.type == pygit2.enums.ObjectType.BLOB else None

    ignore = ignore_spec(blob_text(IGNORE_FILE))
    files: list[SourceFile] = []
    _walk_tree(repo, tree, "", ignore, files)
    files.sort(key=lambda f: f.path)
    return RepoSource(
        f"{shown_url(location)}@{ref} ({str(commit.id)[:12]})",
        tuple(files),
        commit=str(commit.id),
        author=commit.author.email,
        read_text=blob_text,
        committed_at=datetime.fromtimestamp(commit.committer.time, UTC),
    )


def _walk_tree(
    repo: pygit2.Repository,
    tree: pygit2.Tree,
    prefix: str,
    ignore: pathspec.PathSpec | None,
    out: list[SourceFile],
) -> None:
    if prefix and BUILT_SITE_MARKER in tree:
        return
    for entry in tree:
        name = entry.name or ""
        if name.startswith("."):
            continue
        rel = f"{prefix}{name}"
        if entry.filemode == _TREE:
            if not (ignore and ignore.match_file(rel + "/")):
                _walk_tree(repo, repo[entry.id], rel + "/", ignore, out)
        elif entry.filemode in (_BLOB, _BLOB_EXECUTABLE, _LINK) and is_document_path(rel, ignore):
            is_link = entry.filemode == _LINK
            size = repo[entry.id].size
            # Cache keys: a link's blob (its target) must not pass for a file with that text.
            blob_id = "symlink" if is_link else str(entry.id) if size <= MAX_FILE_BYTES else f"oversized:{size}"
            out.append(SourceFile(rel, blob_id, size, is_link, lambda oid=entry.id: repo[oid].data))
