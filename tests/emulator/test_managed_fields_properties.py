"""Properties of the apply merge, checked on generated configurations (no HTTP: the algorithm itself)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kube_emulator import managed_fields
from tests.kube_emulator.resources import builtin_resource_types

DEPLOYMENT = next(rt for rt in builtin_resource_types() if rt.kind == "Deployment")
NOW = "2026-01-01T00:00:00Z"

scalars = st.one_of(st.integers(0, 3), st.sampled_from(["a", "b"]), st.booleans())
keys = st.sampled_from(["x", "y", "z"])
containers = st.lists(
    st.fixed_dictionaries({"name": st.sampled_from(["app", "side", "init"])}, optional={"image": scalars}),
    max_size=3,
    unique_by=lambda item: item["name"],
)
configs = st.fixed_dictionaries(
    {},
    optional={
        "metadata": st.fixed_dictionaries(
            {},
            optional={
                "labels": st.dictionaries(keys, st.sampled_from(["1", "2"]), min_size=1),
                "finalizers": st.lists(st.sampled_from(["f/a", "f/b"]), min_size=1, unique=True),
            },
        ),
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "replicas": scalars,
                "paused": scalars,
                "template": st.fixed_dictionaries({"spec": st.fixed_dictionaries({"containers": containers})}),
            },
        ),
    },
)


def apply(live: dict[str, Any], entries: list[Any], config: dict[str, Any], manager: str, force: bool = True) -> Any:
    return managed_fields.apply(
        live,
        config,
        managed_fields.scoped_content(live, "", True),
        entries,
        manager,
        "apps/v1",
        "",
        force,
        DEPLOYMENT.list_keys,
        NOW,
    )


def content(obj: dict[str, Any]) -> Any:
    """What an object holds, with list order ignored: merging keeps live items first, which is no change of
    meaning for keyed lists and sets."""
    return _unordered(managed_fields.scoped_content(obj, "", True))


def _unordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _unordered(child) for key, child in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


@settings(max_examples=200, deadline=None)
@given(configs, configs)
def test_a_sole_manager_ends_with_exactly_its_latest_configuration(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    live, entries = apply({}, [], first, "gitops")
    live, entries = apply(live, entries, second, "gitops")
    assert content(live) == content(second)


@settings(max_examples=200, deadline=None)
@given(configs, configs, configs)
def test_applied_values_win_and_every_owned_field_exists(
    a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]
) -> None:
    live, entries = apply({}, [], a, "alice")
    live, entries = apply(live, entries, b, "bob")
    live, entries = apply(live, entries, c, "alice")
    for path in managed_fields.field_set(c, DEPLOYMENT.list_keys):
        applied = managed_fields.value_at(c, path)
        # Items of keyed lists and empty containers merge into what is there rather than replace it.
        if not path[-1].startswith("k:") and applied not in ({}, []):
            assert managed_fields.value_at(live, path) == applied
    for entry in entries:
        for path in entry.fields:
            assert managed_fields.value_at(live, path) is not managed_fields.value_at({}, ("f:missing",))
    again, same_entries = apply(live, entries, c, "alice")
    assert again == live and managed_fields.same_ownership(entries, same_entries)
