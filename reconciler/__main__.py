"""`python -m reconciler` is `portal`."""

from reconciler.cli import entry_point

entry_point()
