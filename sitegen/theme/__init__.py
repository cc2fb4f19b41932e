"""Material for MkDocs, overridden so that no page runs inline script: every script is a file of the site."""

from __future__ import annotations

from pathlib import Path

OVERRIDES = Path(__file__).parent / "overrides"
