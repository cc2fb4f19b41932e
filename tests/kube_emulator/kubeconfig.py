"""Kubeconfig files pointing at emulators, for the official client and for kubectl."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


def kubeconfig_document(servers: Mapping[str, str], current: str | None = None) -> dict[str, Any]:
    """One cluster, user and context per entry of `servers` (context name → server URL)."""
    if not servers:
        raise ValueError("at least one server is needed")
    names = list(servers)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": name, "cluster": {"server": url}} for name, url in servers.items()],
        # A token keeps clients from prompting; the emulator does not authenticate.
        "users": [{"name": name, "user": {"token": f"emulator-token-{name}"}} for name in names],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}} for name in names
        ],
        "current-context": current or names[0],
    }


def write_kubeconfig(path: Path, servers: Mapping[str, str], current: str | None = None) -> Path:
    path.write_text(yaml.safe_dump(kubeconfig_document(servers, current), sort_keys=False))
    return path
