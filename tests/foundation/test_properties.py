"""Random YAML and random mutations of real documents never crash the validator."""

from __future__ import annotations

import random
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.load.sources import working_tree
from reconciler.resources import template_dir
from reconciler.validate import validate_source
from tests.foundation.repos import valid_repo

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=20)
)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)


def _template_documents() -> list[dict]:
    documents = []
    for path in sorted(template_dir().rglob("*.yaml")):
        if any(part.startswith(".") for part in path.relative_to(template_dir()).parts):
            continue
        documents.extend(d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict))
    return documents or [yaml.safe_load(text) for text in valid_repo().values()]


TEMPLATE_DOCUMENTS = _template_documents()


def _validate_text(tmp_path: Path, text: str | bytes) -> None:
    target = tmp_path / "docs" / "doc.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    result = validate_source(working_tree(tmp_path / "docs"))
    for diagnostic in result.diagnostics:
        assert diagnostic.location is not None
        assert diagnostic.format()


@SETTINGS
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_random_text(tmp_path: Path, text: str) -> None:
    _validate_text(tmp_path, text)


@SETTINGS
@given(value=json_like)
def test_random_yaml_values(tmp_path: Path, value: object) -> None:
    _validate_text(tmp_path, yaml.safe_dump(value, allow_unicode=True))


def _mutate(node: object, rnd: random.Random, replacement: object) -> object:
    """Replace, delete or retype one randomly chosen value somewhere in the document."""
    if isinstance(node, dict) and node:
        key = rnd.choice(list(node))
        if rnd.random() < 0.3:
            return {k: v for k, v in node.items() if k != key}
        return {**node, key: _mutate(node[key], rnd, replacement)}
    if isinstance(node, list) and node:
        index = rnd.randrange(len(node))
        return [*node[:index], _mutate(node[index], rnd, replacement), *node[index + 1 :]]
    return replacement


@SETTINGS
@given(seed=st.integers(0, 2**32), replacement=json_like, which=st.integers(0, 10_000))
def test_mutated_template_documents(tmp_path: Path, seed: int, replacement: object, which: int) -> None:
    document = TEMPLATE_DOCUMENTS[which % len(TEMPLATE_DOCUMENTS)]
    rnd = random.Random(seed)
    mutated = document
    for _ in range(rnd.randint(1, 3)):
        mutated = _mutate(mutated, rnd, replacement)
    _validate_text(tmp_path, yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False))
