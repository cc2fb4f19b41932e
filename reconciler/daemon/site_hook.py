"""The one place the daemon reaches the site generator: `build_site`, called after each applied commit when
`--site-out` is given. Wired when the site generator joins this package; until then there is none, and
`portal daemon --site-out` says so (exit 2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reconciler.build import Build

SITE_MISSING = "--site-out: the site generator is not installed in this version of portal"

SiteBuilder = Callable[[Build, Path], None]


def site_builder() -> SiteBuilder | None:
    """The site generator's `build_site(build, out_dir)`, or None while it is not part of the package."""
    return None
