"""Which one-time token ids were already used: in memory, and in PostgreSQL when one is configured.

A token is spent at the moment it authenticates a request, whatever follows, so a token seen once is never
accepted again by this process or, with a database, by any replica sharing it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

import psycopg

from reconciler.db.connection import connect
from reconciler.db.errors import DatabaseUnavailable
from reconciler.db.migrations import migrate
from sitegen.terminal.tokens import TokenClaims


class SpentStoreUnavailable(Exception):
    """The shared store cannot be asked: the token is refused (it might have been used elsewhere)."""


class SpentStore(Protocol):
    def spend(self, claims: TokenClaims) -> bool:
        """True when this id was not seen before (and is now recorded), False for a replay."""
        ...


class MemorySpent:
    """Ids seen by this process, forgotten once their token expired (it would be refused as expired anyway)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def spend(self, claims: TokenClaims) -> bool:
        now = time.time()
        with self._lock:
            if len(self._seen) > 1024:
                self._seen = {k: exp for k, exp in self._seen.items() if exp > now}
            if claims.token_id in self._seen:
                return False
            self._seen[claims.token_id] = claims.expires_at
            return True


class DatabaseSpent:
    """Ids recorded in the `terminal_tokens` table; the memory store answers replays without a round trip."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._memory = MemorySpent()
        self._conn: psycopg.Connection = self._connect()
        migrate(self._conn)
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection:
        conn = connect(self._conninfo)
        conn.autocommit = True
        return conn

    def spend(self, claims: TokenClaims) -> bool:
        """As SpentStore.spend; SpentStoreUnavailable when the database cannot say (after one reconnect)."""
        if not self._memory.spend(claims):
            return False
        expires = datetime.fromtimestamp(claims.expires_at, UTC)
        with self._lock:
            for attempt in range(2):
                try:
                    if attempt:
                        self._conn.close()
                        self._conn = self._connect()
                    self._conn.execute("DELETE FROM terminal_tokens WHERE expires_at < now()")
                    cursor = self._conn.execute(
                        "INSERT INTO terminal_tokens (token_id, user_email, workspace, expires_at) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (token_id) DO NOTHING",
                        (claims.token_id, claims.user, claims.workspace, expires),
                    )
                    return cursor.rowcount == 1
                except (psycopg.OperationalError, DatabaseUnavailable):
                    continue
        raise SpentStoreUnavailable("the token store (PostgreSQL) is unavailable")

    def close(self) -> None:
        self._conn.close()


async def spend(store: SpentStore, claims: TokenClaims) -> bool:
    """`store.spend` off the event loop (a database round trip must not stall the other sessions)."""
    if isinstance(store, MemorySpent):
        return store.spend(claims)
    return await asyncio.to_thread(store.spend, claims)
