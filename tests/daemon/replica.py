"""One daemon replica's coordination in a process of its own, for tests that kill it (SIGKILL).

python -m tests.daemon.replica KUBECONFIG CONTEXT IDENTITY SHARDS CLUSTER…
prints `owns <clusters, comma-separated>` whenever the clusters it may write change; runs until killed.
"""

from __future__ import annotations

import sys
import time

import kubernetes

from reconciler.daemon.replicas import coordinator_for
from tests.daemon.timing import FAST


def main(kubeconfig: str, context: str, identity: str, shards: str, *clusters: str) -> None:
    client = kubernetes.config.new_client_from_config(config_file=kubeconfig, context=context)  # type: ignore[no-untyped-call]
    coordinator = coordinator_for(client, "default", identity, int(shards), timing=FAST)
    coordinator.start()
    shown = None
    while True:
        owned = ",".join(sorted(coordinator.owned_clusters(clusters)))
        if owned != shown:
            print(f"owns {owned}", flush=True)
            shown = owned
        time.sleep(0.05)


if __name__ == "__main__":
    main(*sys.argv[1:])
