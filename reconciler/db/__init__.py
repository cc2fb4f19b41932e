"""PostgreSQL: the embedded server, migrations, and the sync of a commit's metadata into Keeper's and Herald's
tables (one transaction, under an advisory lock, the last-synced marker written last).

`record.record_reconcile` is the step `portal reconcile` runs after applying: sync the commit, record the run and
each cluster's outcome. Importing this package stays light: psycopg comes with its modules.
"""

from __future__ import annotations

DATABASE_URL_VARIABLE = "PORTAL_DATABASE_URL"  # here, so commands that may not need psycopg can read it
