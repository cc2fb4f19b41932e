"""A connection that counts its round trips, with the batched writes the sync uses.

A batch of rows is one round trip whatever its size: `executemany` runs in pipeline mode (every statement sent
before any result is read) and new rows go through one COPY. So the number of round trips of a sync depends on
the number of tables, never on the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from reconciler.db.tables import Row, Table


class Link:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.round_trips = 0

    def fetch(self, query: str | sql.Composable, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        self.round_trips += 1
        return self.conn.execute(query, params).fetchall()

    def fetch_one(self, query: str | sql.Composable, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
        self.round_trips += 1
        return self.conn.execute(query, params).fetchone()

    def execute(self, query: str | sql.Composable, params: Sequence[Any] | None = None) -> None:
        self.round_trips += 1
        self.conn.execute(query, params)

    def execute_many(self, query: str | sql.Composable, params: Sequence[Sequence[Any]]) -> None:
        if not params:
            return
        self.round_trips += 1
        with self.conn.cursor() as cursor:
            cursor.executemany(query, params)  # pipeline mode: one round trip for the batch

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        self.round_trips += 1
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def adapted(table: Table, row: Row) -> list[Any]:
    """id, the synced columns (jsonb ones wrapped for psycopg), row_hash: the order of `stored_columns`."""
    values: list[Any] = [row.id]
    for column, value in zip(table.columns, row.values, strict=True):
        values.append(Jsonb(value) if column in table.jsonb and value is not None else value)
    values.append(row.hash)
    return values


def stored_columns(table: Table) -> list[str]:
    return ["id", *table.columns, "row_hash"]


def upsert_statement(table: Table) -> sql.Composed:
    """Insert, or update the row with that natural key (its id is made from the key)."""
    columns = stored_columns(table)
    updated = [*table.columns, "row_hash"]
    return sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}, updated_at = now()").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updated),
    )
