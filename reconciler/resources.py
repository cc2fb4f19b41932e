"""Files that ship with the package: the JSON Schemas and the starter repo.

In a wheel they live under `reconciler/_data/`; in a source checkout they are the top-level `schemas/` and
`repo-template/` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the installation is incomplete: {name}/ is missing")


def schemas_dir() -> Path:
    return data_dir("schemas")


def template_dir() -> Path:
    return data_dir("repo-template")
