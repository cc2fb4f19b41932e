"""Applying compiled objects to Kubernetes, one module per step, in the manner of Flux's kustomize-controller.

connect (credentials) → client (HTTP, retries) → inventory (what we applied) → plan (pure diff of desired and
live) → apply (server-side apply, drift) → prune (safe deletion) → health (rollouts, Workspaces); `reconcile`
runs the steps for one cluster.
"""
