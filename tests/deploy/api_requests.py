"""What Kubernetes authorisation would check for each request an emulator received: (group, resource, verb)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qs

from tests.kube_emulator.faults import RecordedRequest

Permission = tuple[str, str, str]  # (API group, resource or resource/subresource, verb)


def permission(request: RecordedRequest) -> Permission | None:
    """As kube-apiserver's RequestInfoFactory resolves it; None for non-resource URLs (discovery, /version),
    which every authenticated user may read (the system:discovery ClusterRole)."""
    segments = [s for s in request.path.split("/") if s]
    if segments[:2] == ["api", "v1"]:
        group, rest = "", segments[2:]
    elif segments[:1] == ["apis"] and len(segments) > 3:
        group, rest = segments[1], segments[3:]
    else:
        return None
    if not rest:
        return None
    if rest[0] == "namespaces" and len(rest) > 2:
        rest = rest[2:]  # namespaced: /namespaces/<ns>/<resource>[/<name>[/<subresource>]]
    resource = rest[0] if len(rest) < 3 else f"{rest[0]}/{rest[2]}"
    named = len(rest) > 1
    watch = parse_qs(request.query).get("watch", ["false"])[0] in ("true", "1")
    verbs = {
        "GET": "get" if named else ("watch" if watch else "list"),
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if named else "deletecollection",
    }
    return group, resource, verbs[request.method]


def permissions(requests: Iterable[RecordedRequest]) -> set[Permission]:
    return {p for p in map(permission, requests) if p is not None}


def granted(rules: Iterable[dict]) -> set[Permission]:
    """Every (group, resource, verb) a Role's or ClusterRole's rules grant; wildcards are refused outright."""
    result = set()
    for rule in rules:
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule.get(field, []), f"a wildcard in {field} of {rule}: grant what is used, no more"
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    result.add((group, resource, verb))
    return result
