"""Which files are documents, read from a working tree or straight from a git commit."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from reconciler.load import sources
from tests.conftest import write_files
from tests.foundation.repos import TEAM, valid_repo
from tests.gitrepo import commit


def test_dot_paths_and_portalignore_are_skipped(tmp_path: Path, portal) -> None:
    broken = "::: not yaml"
    write_files(
        tmp_path,
        valid_repo()
        | {
            ".github/workflows/ci.yaml": broken,
            ".pre-commit-config.yaml": broken,
            "teams/.hidden.yaml": broken,
            "drafts/wip.yaml": broken,
            "notes/readme.txt": broken,
            ".portalignore": "drafts/\n*.draft.yml\n",
            "teams/x.draft.yml": broken,
        },
    )
    result = portal("validate", tmp_path)
    assert result.code == 0, result.out
    assert "4 document(s) from 4 file(s)" in result.err


def test_a_built_site_inside_the_tree_is_not_read_as_documents(tmp_path: Path, portal) -> None:
    """`portal site build --out public` inside the repo writes Helm indexes (YAML) that are no documents."""
    site = {"public/.portal-site": "built\n", "public/helm/platform/index.yaml": "apiVersion: v1\nentries: {}\n"}
    write_files(tmp_path, valid_repo() | site)
    result = portal("validate", tmp_path)
    assert result.code == 0, result.out
    assert "4 document(s) from 4 file(s)" in result.err
    repo = tmp_path / "repo"
    commit(repo, valid_repo() | site)
    assert portal("validate", "--repo", repo).code == 0


def test_the_site_settings_file_is_not_a_document(tmp_path: Path, portal) -> None:
    """site/mkdocs.yml configures `portal site`; any other YAML file under site/ is still a document."""
    write_files(tmp_path, valid_repo() | {"site/mkdocs.yml": "site_name: Acme\n", "site/team.yaml": "::: not yaml"})
    result = portal("validate", tmp_path)
    assert result.code == 1
    assert "site/mkdocs.yml" not in result.out
    assert "site/team.yaml:" in result.out


def test_symlinks_are_refused_in_a_working_tree(tmp_path: Path, portal) -> None:
    write_files(tmp_path, valid_repo())
    os.symlink(tmp_path / "teams/payments.yaml", tmp_path / "teams/link.yaml")
    result = portal("validate", tmp_path)
    assert result.lines == ["teams/link.yaml:1:1: error: symbolic links are not followed; commit the file itself"]
    assert result.code == 1


def test_reads_a_commit_without_a_checkout(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    first = commit(repo, valid_repo())
    commit(repo, valid_repo() | {"teams/broken.yaml": "a: [1\n"})
    head = portal("validate", "--repo", repo, "--ref", "HEAD")
    assert head.code == 1
    assert head.lines[0].startswith("teams/broken.yaml:2:1: error: invalid YAML")
    older = portal("validate", "--repo", repo, "--ref", first)
    assert older.code == 0, older.out
    assert f"({first[:12]})" in older.err
    assert not (repo / "teams").exists()  # nothing was checked out


def test_symlinks_are_refused_in_a_commit(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    commit(repo, valid_repo() | {"teams/link.yaml": ("link", "payments.yaml")})
    result = portal("validate", "--repo", repo)
    assert result.lines == ["teams/link.yaml:1:1: error: symbolic links are not followed; commit the file itself"]


def test_portalignore_in_a_commit(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    commit(repo, valid_repo() | {".portalignore": "drafts/\n", "drafts/x.yaml": "a: [", ".github/ci.yml": "a: ["})
    assert portal("validate", "--repo", repo).code == 0


def test_environment_errors_exit_2(tmp_path: Path, portal) -> None:
    missing = portal("validate", tmp_path / "nowhere")
    assert (missing.code, missing.out) == (2, "")
    assert missing.err == f"portal: error: {tmp_path / 'nowhere'}: not a directory\n"
    not_a_repo = portal("validate", "--repo", tmp_path)
    assert not_a_repo.code == 2
    assert "not a git repository" in not_a_repo.err
    repo = tmp_path / "repo"
    commit(repo, {"teams/payments.yaml": TEAM})
    bad_ref = portal("validate", "--repo", repo, "--ref", "no-such-branch")
    assert bad_ref.code == 2
    assert bad_ref.err == f"portal: error: {repo}: unknown ref 'no-such-branch'\n"
    both = portal("validate", tmp_path, "--repo", repo)
    assert both.code == 2
    assert portal("validate", "--format", "yaml").code == 2  # argparse usage error


def _unblock_a_reader_later(fifo: Path) -> threading.Timer:
    """Should the FIFO be opened after all, give that reader an end of file: the test then fails, not hangs."""

    def open_and_close() -> None:
        with contextlib.suppress(OSError):  # ENXIO: nobody is reading it, as it should be
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(5, open_and_close)
    timer.start()
    return timer


def test_special_files_are_refused_unopened(tmp_path: Path, portal) -> None:
    write_files(tmp_path, valid_repo())
    os.mkfifo(tmp_path / "teams/pipe.yaml")  # opening it would block until a writer comes
    rescue = _unblock_a_reader_later(tmp_path / "teams/pipe.yaml")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "teams/socket.yaml"))
        result = portal("validate", tmp_path)
    rescue.cancel()
    assert result.lines == [
        "teams/pipe.yaml:1:1: error: a FIFO, not a regular file: it is not read (documents must be plain files)",
        "teams/socket.yaml:1:1: error: a socket, not a regular file: it is not read (documents must be plain files)",
    ]
    assert result.code == 1


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_remote_that_never_answers_times_out(tmp_path: Path, portal, monkeypatch) -> None:
    monkeypatch.setattr(sources, "GIT_CONNECT_TIMEOUT_MS", 500)
    monkeypatch.setattr(sources, "GIT_READ_TIMEOUT_MS", 500)
    with silent_server() as port:
        url = f"http://alice:hunter2-canary@127.0.0.1:{port}/platform.git"
        started = time.monotonic()
        result = portal("validate", "--repo", url)
    assert time.monotonic() - started < 10
    assert result.code == 2
    assert result.err == (
        f"portal: error: http://alice:***@127.0.0.1:{port}/platform.git: cannot fetch: could not read from socket: "
        "timed out (the server did not answer within 0.5 s to connect, 0.5 s per read)\n"
    )
