"""Secrets the daemon reads from its environment: a variable, else the file a `<VAR>_FILE` variable names.

The variable wins when both are set (as the official container images read `*_FILE`); a trailing newline in a
file is ignored, since editors and `echo` add one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


class SecretError(Exception):
    """A `<VAR>_FILE` names a file that cannot be read."""


def read_secret(variable: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The secret in `variable`, else in the file `variable_FILE` names; None when neither is set (or empty)."""
    value = environ.get(variable)
    if value:
        return value
    file_name = environ.get(f"{variable}_FILE")
    if not file_name:
        return None
    try:
        text = Path(file_name).read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"${variable}_FILE {file_name}: {exc.strerror or exc}") from None
    return text.removesuffix("\n").removesuffix("\r") or None
