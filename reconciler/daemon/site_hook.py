"""The one place the daemon reaches the site generator: a builder called after each applied commit when
`--site-out` is given. `reconciler.cli.daemon` passes it in (from `reconciler.cli.site`), so that nothing under
`reconciler/daemon/` imports `sitegen`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reconciler.build import Build
from reconciler.settings import Settings

SiteBuilder = Callable[[Build, Settings, Path], None]  # (the applied build, the daemon's settings, --site-out)
