"""How a field's change reads: unified diffs of text, entries of maps and lists, Secret values hidden."""

from __future__ import annotations

from typing import Any

from reconciler.kube.compare import REDACTED, differences, field_change, redacted, removed_fields


def lines(desired: dict[str, Any], live: dict[str, Any]) -> list[str]:
    return [line for change in differences(desired, live) for line in change.lines()]


def test_multi_line_text_is_a_unified_diff() -> None:
    live = {"data": {"conf": "a: 1\nb: 2\nc: 3\n"}}
    assert lines({"data": {"conf": "a: 1\nb: 20\nc: 3\n"}}, live) == [
        "data.conf:",
        "  @@ -1,3 +1,3 @@",
        "   a: 1",
        "  -b: 2",
        "  +b: 20",
        "   c: 3",
    ]
    assert lines({"data": {"conf": "one line"}}, live)[:3] == ["data.conf:", "  @@ -1,3 +1 @@", "  -a: 1"]


def test_a_map_shows_its_added_removed_and_changed_entries() -> None:
    change = field_change("spec.selector", {"app": "web", "tier": "front"}, {"app": "api", "zone": "eu"})
    assert change.lines() == [
        "spec.selector:",
        "  ~ app: api → web",
        "  + tier: front",
        "  - zone: eu",
    ]
    assert change.as_json()["entries"] == [
        {"key": "app", "change": "changed", "live": "api", "desired": "web"},
        {"key": "tier", "change": "added", "live": None, "desired": "front"},
        {"key": "zone", "change": "removed", "live": "eu", "desired": None},
    ]
    nested = field_change("spec", {"a": {"b": 1, "c": [1, 2]}}, {"a": {"b": 2, "c": [1]}})
    assert nested.lines() == ["spec:", "  ~ a.b: 2 → 1", "  + a.c[1]: 2"]


def test_list_items_go_by_name_when_they_have_one_else_by_index() -> None:
    desired = {"spec": {"args": ["--a", "--b=2"], "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]}}
    live = {"spec": {"args": ["--a", "--b=1", "--c"], "env": 5}}
    assert lines(desired, live) == [
        "spec.args:",
        "  ~ [1]: --b=1 → --b=2",
        "  - [2]: --c",
        "spec.env: 5 → " + '[{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]',
    ]
    absent = field_change("spec.env", desired["spec"]["env"], [{"name": "A", "value": "0"}, {"name": "B"}])
    assert absent.lines() == [
        "spec.env:",
        "  ~ [A].value: 0 → 1",
        '  + [C]: {"name": "C", "value": "3"}',
        '  - [B]: {"name": "B"}',
    ]


def test_a_value_too_long_for_a_line_is_shown_entry_by_entry() -> None:
    big = {f"key-{i}": f"value-{i}" for i in range(12)}
    added = field_change("data", {"x": big}, None)
    assert added.lines()[:3] == ["data:", "  + x.key-0: value-0", "  + x.key-1: value-1"]
    assert len(added.entries) == 12


def test_fields_we_no_longer_set_show_what_goes() -> None:
    live = {
        "metadata": {
            "managedFields": [{"manager": "portal", "operation": "Apply", "fieldsV1": {"f:spec": {"f:x": {}}}}]
        },
        "spec": {"x": {"keep": "me", "and": "me"}},
    }
    (removed,) = removed_fields({"spec": {}}, live, "portal")
    assert removed.lines() == ["spec.x:", "  - keep: me", "  - and: me"]


def test_secret_values_are_redacted_and_their_keys_shown() -> None:
    desired = {"apiVersion": "v1", "kind": "Secret", "data": {"token": "bmV3", "ca.crt": "c2FtZQ==", "new": "eA=="}}
    live = {"data": {"token": "b2xk", "ca.crt": "c2FtZQ==", "gone": "eQ=="}}
    plain = differences(desired, live)
    hidden = redacted("Secret", [*plain, field_change("stringData", {"pem": "-----\nsecret-pem\n-----\n"}, None)])
    text = "\n".join(line for change in hidden for line in change.lines())
    for secret in ("bmV3", "b2xk", "eA==", "eQ==", "secret-pem"):
        assert secret not in text and secret not in repr(hidden) and secret not in str([c.as_json() for c in hidden])
    assert text.splitlines() == [
        f"data.token: {REDACTED} → {REDACTED}",
        f"data.new: (absent) → {REDACTED}",
        "stringData:",
        f"  + pem: {REDACTED}",
    ]
    whole = redacted("Secret", [field_change("data", desired["data"], live["data"])])
    assert whole[0].lines() == [
        "data:",
        f"  ~ token: {REDACTED} → {REDACTED}",
        f"  + new: {REDACTED}",
        f"  - gone: {REDACTED}",
    ]
