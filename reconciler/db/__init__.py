"""PostgreSQL: the embedded server, migrations, and the sync of a commit's metadata into Keeper's and Herald's
tables (one transaction, under an advisory lock, the last-synced marker written last)."""
