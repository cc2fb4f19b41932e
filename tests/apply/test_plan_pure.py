"""The plan, comparisons and health are pure: objects in, decisions out."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from reconciler.kube.cluster_plan import plan_cluster
from reconciler.kube.compare import REDACTED, differences, redacted, removed_fields
from reconciler.kube.health import assess
from reconciler.kube.inventory import Inventory, InventoryError, decode, encode, inventory_name
from reconciler.kube.objects import ObjectKey, hash_annotation, key_of, stamped


def configmap(name: str, namespace: str = "apps", **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data}


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def live_of(obj: dict[str, Any], uid: str = "u-1") -> dict[str, Any]:
    """What the server returns: our object plus server fields and someone else's extras."""
    live = copy.deepcopy(obj)
    live["metadata"].update(uid=uid, resourceVersion="7", labels={**obj["metadata"]["labels"], "team": "x"})
    return live


def test_created_unchanged_updated_and_drifted() -> None:
    wanted = [stamped(configmap(n, k="v"), "default") for n in ("a", "b", "c", "d")]
    live = {key_of(o): live_of(o) for o in wanted[1:]}
    changed = stamped(configmap("c", k="new"), "default")
    live[key_of(wanted[3])]["data"]["k"] = "edited"  # drift: same hash, different value
    plan = plan_cluster([wanted[0], wanted[1], changed, wanted[3]], live, Inventory(), "correct")
    actions = {c.key.name: c.action for c in plan.changes}
    assert actions == {"a": "create", "c": "update", "d": "drift"}
    assert [k.name for k in plan.unchanged] == ["b"]
    update = next(c for c in plan.changes if c.key.name == "c")
    assert [line for f in update.fields for line in f.lines()] == ["data.k: v → new"]
    assert all(c.writes and c.force for c in plan.changes)


def test_warn_and_ignore_modes() -> None:
    obj = stamped(configmap("a", k="v"), "default")
    live = live_of(obj)
    live["data"]["k"] = "edited"
    warn = plan_cluster([obj], {key_of(obj): live}, Inventory(), "warn")
    assert [(c.action, c.writes, c.force) for c in warn.changes] == [("drift", False, False)]
    assert warn.has_changes
    ignore = plan_cluster([obj], {key_of(obj): live}, Inventory(), "ignore")
    assert ignore.changes == () and not ignore.has_changes


def test_keyed_lists_compare_by_key_and_extra_items_of_others_are_not_drift() -> None:
    desired = {"spec": {"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}]}]}}
    live = {
        "spec": {
            "containers": [
                {"name": "sidecar", "image": "x"},
                {
                    "name": "app",
                    "imagePullPolicy": "Always",
                    "env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}],
                },
            ]
        }
    }
    assert differences(desired, live) == []
    live["spec"]["containers"][1]["env"][1]["value"] = "3"
    assert [line for f in differences(desired, live) for line in f.lines()] == [
        "spec.containers[app].env[A].value: 3 → 1"
    ]


def test_prune_candidates_refusals_and_reverse_order() -> None:
    keep = stamped(configmap("keep"), "default")
    old = [stamped(o, "default") for o in (namespace("apps"), configmap("old-1"), configmap("old-2"))]
    live = {key_of(o): live_of(o, uid=f"u-{i}") for i, o in enumerate([keep, *old])}
    inventory = Inventory({key_of(o): hash_annotation(o) or "" for o in [keep, *old]}, exists=True)
    gone = ObjectKey("v1", "ConfigMap", "apps", "deleted-by-hand")
    inventory = inventory.merged({gone: "h"})
    plan = plan_cluster([keep], live, inventory, "correct", prune=True)
    assert [p.key.name for p in plan.prunes] == ["old-1", "old-2", "apps"]  # the Namespace last
    assert [p.key.name for p in plan.deletions] == ["old-1", "old-2"]
    assert "never pruned" in plan.prunes[-1].refused
    assert plan.gone == ()  # not confirmed gone: kept listed
    assert gone in plan.inventory_after([])
    plan = plan_cluster([keep], live, inventory, "correct", prune=True, confirmed_gone=[gone])
    assert plan.gone == (gone,)
    after = plan.inventory_after([p.key for p in plan.deletions])
    assert set(after) == {key_of(keep), key_of(old[0])}


def test_mass_prune_is_refused_over_half_of_more_than_ten() -> None:
    objects = [stamped(configmap(f"c{i}"), "default") for i in range(12)]
    live = {key_of(o): live_of(o) for o in objects}
    inventory = Inventory({key_of(o): "h" for o in objects}, exists=True)
    refused = plan_cluster(objects[:5], live, inventory, "correct", prune=True)
    assert len(refused.prunes) == 7 and all("mass prune refused" in p.refused for p in refused.prunes)
    allowed = plan_cluster(objects[:5], live, inventory, "correct", prune=True, allow_mass_prune=True)
    assert len(allowed.deletions) == 7
    half = plan_cluster(objects[:6], live, inventory, "correct", prune=True)
    assert len(half.deletions) == 6


def test_every_live_object_of_a_kind_is_never_pruned_without_the_flag() -> None:
    kept = [stamped(configmap(f"c{i}"), "default") for i in range(8)]
    secrets = [stamped({**configmap(f"s{i}"), "kind": "Secret"}, "default") for i in range(2)]
    everything = [*kept, *secrets]
    live = {key_of(o): live_of(o) for o in everything}
    inventory = Inventory({key_of(o): "h" for o in everything}, exists=True)
    refused = plan_cluster(kept, live, inventory, "correct", prune=True)
    assert refused.deletions == ()
    assert all("all 2 live Secret objects of ours" in p.refused for p in refused.prunes)
    allowed = plan_cluster(kept, live, inventory, "correct", prune=True, allow_mass_prune=True)
    assert len(allowed.deletions) == 2
    one_left = plan_cluster([*kept, secrets[0]], live, inventory, "correct", prune=True)
    assert [p.key.name for p in one_left.deletions] == ["s1"]


def test_secret_values_are_redacted_in_diffs() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"token": "c2VjcmV0"}}
    changes = redacted("Secret", differences(secret, {"data": {"token": "b2xk"}}))
    assert [line for c in changes for line in c.lines()] == [f"data.token: {REDACTED} → {REDACTED}"]
    assert "c2VjcmV0" not in repr(changes)


def test_removed_fields_come_from_our_managed_fields() -> None:
    live = {
        "metadata": {
            "managedFields": [
                {"manager": "portal", "operation": "Apply", "fieldsV1": {"f:spec": {"f:image": {}, "f:dotfiles": {}}}},
                {"manager": "other", "operation": "Update", "fieldsV1": {"f:spec": {"f:extra": {}}}},
            ]
        },
        "spec": {"image": "a", "dotfiles": {"url": "u"}, "extra": 1},
    }
    removed = removed_fields({"spec": {"image": "a"}}, live, "portal")
    assert [c.path for c in removed] == ["spec.dotfiles"]


def test_the_desired_hash_ignores_nothing_but_itself() -> None:
    a = stamped(configmap("a", k="v"), "default")
    assert stamped(a, "default") == a
    assert hash_annotation(stamped(configmap("a", k="w"), "default")) != hash_annotation(a)
    assert hash_annotation(stamped(configmap("a", k="v"), "other")) != hash_annotation(a)


def test_a_long_inventory_is_stored_compressed() -> None:
    many = Inventory({ObjectKey("v1", "ConfigMap", f"ns-{i % 7}", f"config-{i:05d}"): f"{i:020d}" for i in range(6000)})
    stored = encode(many, "default", "dev")
    assert "binaryData" in stored and "data" not in stored
    assert decode(stored, "default").entries == many.entries


def test_the_inventory_round_trips() -> None:
    inventory = Inventory(
        {ObjectKey("apps/v1", "Deployment", "x", "web"): "h1", ObjectKey("v1", "Namespace", "", "x"): "h2"}
    )
    stored = encode(inventory, "default", "dev")
    assert stored["metadata"]["name"] == "portal-inventory-default-dev"
    assert decode(stored, "default").entries == inventory.entries


def test_an_inventory_of_another_instance_is_never_taken_for_ours() -> None:
    # "a" + "b-dev" and "a-b" + "dev" make the same name.
    stored = encode(Inventory({ObjectKey("v1", "Namespace", "", "x"): "h"}), "a", "b-dev")
    assert stored["metadata"]["name"] == inventory_name("a-b", "dev")
    with pytest.raises(InventoryError, match="belongs to instance 'a', not 'a-b'"):
        decode(stored, "a-b")


def test_health() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "n", "generation": 2},
        "spec": {"replicas": 2},
        "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2},
    }
    assert assess(deployment).state == "ready"
    deployment["status"]["observedGeneration"] = 1
    assert assess(deployment).state == "progressing"
    workspace = {"apiVersion": "butler.butlerlabs.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": "w"}}
    assert assess(workspace).state == "progressing"
    workspace["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    assert assess(workspace).state == "ready"
    workspace["status"] = {"phase": "Failed", "conditions": [{"type": "Ready", "status": "False", "message": "no PVC"}]}
    assert assess(workspace).state == "failed"
    assert assess(configmap("c")) is None


def test_what_the_server_does_to_values_is_not_drift() -> None:
    desired = {
        "spec": {
            "resources": {"limits": {"cpu": "0.5", "memory": "1024Mi"}},
            "env": [{"name": "EMPTY", "value": ""}],
            "readOnly": False,
            "volumes": [],
        }
    }
    live = {"spec": {"resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}, "env": [{"name": "EMPTY"}]}}
    assert differences(desired, live) == []
    live["spec"]["resources"]["limits"]["cpu"] = "1"
    assert [c.path for c in differences(desired, live)] == ["spec.resources.limits.cpu"]
    assert differences({"data": {"version": "1.0"}}, {"data": {"version": "1"}})  # not a quantity field
