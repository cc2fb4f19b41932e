"""What goes wrong with the database, as values the command line reports without a traceback."""

from __future__ import annotations


class DatabaseUnavailable(Exception):
    """The server cannot be reached or started: an environment error (exit status 2)."""


class SchemaTooNew(Exception):
    """The database holds migrations this version of portal does not know: refuse rather than guess."""


class InvalidCommit(Exception):
    """The commit has errors: nothing from it reaches the database."""
