"""Reads: get, list with selectors and pages, cluster-wide lists, watches, deletecollection."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from kubernetes import watch
from kubernetes.client import ApiException

from tests.emulator.conftest import Cluster
from tests.emulator.test_writes import configmap


def names(listing: Any) -> list[str]:
    return [item.metadata.name for item in listing.items]


@pytest.fixture()
def labelled(cluster: Cluster) -> Cluster:
    cluster.core.create_namespace({"metadata": {"name": "other"}})
    for name, labels in [
        ("a", {"app": "web", "tier": "front"}),
        ("b", {"app": "web", "tier": "back"}),
        ("c", {"app": "db"}),
        ("d", {}),
    ]:
        cluster.core.create_namespaced_config_map("default", configmap(name, labels=labels))
    cluster.core.create_namespaced_config_map("other", configmap("e", labels={"app": "web"}))
    return cluster


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web", ["a", "b"]),
        ("app!=web", ["c", "d"]),
        ("app in (web,db)", ["a", "b", "c"]),
        ("app notin (web)", ["c", "d"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c", "d"]),
        ("app=web,tier=back", ["b"]),
        ("app in (web, db),!tier", ["c"]),
    ],
)
def test_label_selectors(labelled: Cluster, selector: str, expected: list[str]) -> None:
    assert names(labelled.core.list_namespaced_config_map("default", label_selector=selector)) == expected


def test_bad_label_selector_is_400(labelled: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        labelled.core.list_namespaced_config_map("default", label_selector="app in web")
    assert caught.value.status == 400


def test_field_selectors(labelled: Cluster) -> None:
    core = labelled.core
    assert names(core.list_namespaced_config_map("default", field_selector="metadata.name=b")) == ["b"]
    assert names(core.list_namespaced_config_map("default", field_selector="metadata.name!=b")) == ["a", "c", "d"]
    everywhere = core.list_config_map_for_all_namespaces(field_selector="metadata.namespace=other")
    assert names(everywhere) == ["e"]
    with pytest.raises(ApiException) as caught:
        core.list_namespaced_config_map("default", field_selector="data.k=v")
    assert caught.value.status == 400


def test_cluster_wide_list_of_a_namespaced_kind(labelled: Cluster) -> None:
    listing = labelled.core.list_config_map_for_all_namespaces(label_selector="app=web")
    assert [(i.metadata.namespace, i.metadata.name) for i in listing.items] == [
        ("default", "a"),
        ("default", "b"),
        ("other", "e"),
    ]
    assert listing.metadata.resource_version


def test_limit_and_continue(labelled: Cluster) -> None:
    core = labelled.core
    first = core.list_namespaced_config_map("default", limit=3)
    assert names(first) == ["a", "b", "c"]
    assert first.metadata._continue and first.metadata.remaining_item_count == 1
    second = core.list_namespaced_config_map("default", limit=3, _continue=first.metadata._continue)
    assert names(second) == ["d"] and not second.metadata._continue
    with pytest.raises(ApiException) as caught:
        core.list_namespaced_config_map("default", _continue="garbage!")
    assert caught.value.status == 400


def test_dynamic_client_get_and_list(labelled: Cluster) -> None:
    configmaps = labelled.dynamic.resources.get(api_version="v1", kind="ConfigMap")
    listed = configmaps.get(namespace="default", label_selector="app=db")
    assert [item.metadata.name for item in listed.items] == ["c"]
    single = configmaps.get(namespace="default", name="a")
    assert single.metadata.labels.tier == "front"


def test_watch_sends_existing_objects_then_live_events(cluster: Cluster) -> None:
    core = cluster.core
    core.create_namespaced_config_map("default", configmap("existing"))

    def writer() -> None:
        time.sleep(0.3)
        core.create_namespaced_config_map("default", configmap("new"))
        core.patch_namespaced_config_map("new", "default", {"data": {"k": "v"}})
        core.delete_namespaced_config_map("new", "default")

    thread = threading.Thread(target=writer)
    thread.start()
    seen = []
    started = time.monotonic()
    for event in watch.Watch().stream(core.list_namespaced_config_map, "default", timeout_seconds=2):
        seen.append((event["type"], event["object"].metadata.name))
    thread.join()
    assert seen == [("ADDED", "existing"), ("ADDED", "new"), ("MODIFIED", "new"), ("DELETED", "new")]
    assert 1.5 < time.monotonic() - started < 5  # timeoutSeconds ends the stream


def test_watch_resumes_from_a_resource_version(cluster: Cluster) -> None:
    core = cluster.core
    core.create_namespaced_config_map("default", configmap("before"))
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", configmap("after"))
    core.patch_namespaced_config_map("before", "default", {"data": {"k": "v"}})
    stream = watch.Watch().stream(
        core.list_namespaced_config_map,
        "default",
        resource_version=mark,
        timeout_seconds=1,
        allow_watch_bookmarks=True,
    )
    seen = [(e["type"], e["object"].metadata.name, e["object"].metadata.resource_version) for e in stream]
    assert [s[:2] for s in seen] == [("ADDED", "after"), ("MODIFIED", "before")]
    assert all(int(rv) > int(mark) for *_, rv in seen)


def test_watch_with_selectors_sees_objects_enter_and_leave(cluster: Cluster) -> None:
    core = cluster.core
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", configmap("x", labels={"app": "no"}))
    core.patch_namespaced_config_map("x", "default", {"metadata": {"labels": {"app": "yes"}}})
    core.patch_namespaced_config_map("x", "default", {"data": {"k": "v"}})
    core.patch_namespaced_config_map("x", "default", {"metadata": {"labels": {"app": "no"}}})
    core.create_namespaced_config_map("default", configmap("other", labels={"app": "yes"}))
    stream = watch.Watch().stream(
        core.list_namespaced_config_map,
        "default",
        resource_version=mark,
        timeout_seconds=1,
        label_selector="app=yes",
        field_selector="metadata.name=x",
    )
    assert [(e["type"], e["object"].metadata.name) for e in stream] == [
        ("ADDED", "x"),
        ("MODIFIED", "x"),
        ("DELETED", "x"),
    ]


def test_watch_from_an_expired_resource_version_is_410(cluster: Cluster) -> None:
    from tests.kube_emulator import store

    def compact(api: Any) -> None:
        api.store.history = store.deque(list(api.store.history)[-2:], maxlen=2)

    cluster.core.create_namespaced_config_map("default", configmap("a"))
    cluster.core.create_namespaced_config_map("default", configmap("b"))
    cluster.core.create_namespaced_config_map("default", configmap("c"))
    cluster.emulator.call(compact)
    with pytest.raises(ApiException) as caught:
        list(
            watch.Watch().stream(
                cluster.core.list_namespaced_config_map, "default", resource_version="1", timeout_seconds=1
            )
        )
    assert caught.value.status == 410


def test_dynamic_client_watch(cluster: Cluster) -> None:
    configmaps = cluster.dynamic.resources.get(api_version="v1", kind="ConfigMap")
    cluster.core.create_namespaced_config_map("default", configmap("a"))
    events = list(configmaps.watch(namespace="default", timeout=1))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "a")]


def test_delete_collection_with_selectors(labelled: Cluster) -> None:
    core = labelled.core
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    core.delete_collection_namespaced_config_map("default", label_selector="app=web")
    assert names(core.list_namespaced_config_map("default")) == ["c", "d"]
    assert names(core.list_namespaced_config_map("other")) == ["e"]
    stream = watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=mark, timeout_seconds=1)
    assert sorted((e["type"], e["object"].metadata.name) for e in stream) == [("DELETED", "a"), ("DELETED", "b")]
    core.delete_collection_namespaced_config_map("default", field_selector="metadata.name=d", dry_run="All")
    assert names(core.list_namespaced_config_map("default")) == ["c", "d"]


def test_unparseable_numbers_are_400(cluster: Cluster) -> None:
    for query in ["limit=many", "watch=1&timeoutSeconds=soon"]:
        code, status = cluster.raw("GET", f"/api/v1/namespaces/default/configmaps?{query}")
        assert code == 400 and status["reason"] == "BadRequest", query
