"""PostgreSQL: the embedded server, migrations, and the sync of a commit's metadata into Keeper's and Herald's
tables (one transaction, under an advisory lock, the last-synced marker written last).

`record_reconcile` is the step `portal reconcile` runs after applying: sync the commit, record the run and each
cluster's outcome. It is loaded on first use, so importing a submodule stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DATABASE_URL_VARIABLE", "record_reconcile"]

DATABASE_URL_VARIABLE = "PORTAL_DATABASE_URL"  # here, so commands that may not need psycopg can read it


def __getattr__(name: str) -> Any:
    if name == "record_reconcile":
        from reconciler.db.record import record_reconcile

        return record_reconcile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
