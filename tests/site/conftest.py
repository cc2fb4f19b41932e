from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import database_url, embedded_pg, pg_server, server_tmp_path  # noqa: F401  (fixtures)
from tests.site.builders import TEMPLATE, build_site, copy_template, plant_canaries


@pytest.fixture(scope="module")
def module_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("site-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PORTAL_STATE_DIR", str(state))
        yield state


@pytest.fixture(scope="module")
def template_site(module_state: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter template's site, with a terminal URL so that terminal pages exist."""
    out = tmp_path_factory.mktemp("template-site") / "site"
    run = build_site(TEMPLATE, out, "--terminal-url", "https://term.acme.dev:8443")
    assert run.code == 0, run.err
    return out


@pytest.fixture(scope="module")
def canary_site(module_state: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = copy_template(tmp_path_factory.mktemp("canary") / "repo")
    plant_canaries(source)
    out = tmp_path_factory.mktemp("canary-site") / "site"
    run = build_site(source, out)
    assert run.code == 0, run.out + run.err
    return out
