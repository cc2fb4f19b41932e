"""The catalog site generator: pages, search and machine-readable outputs generated from one commit, and
the services that ship with the built site (the live-terminal sidecar)."""
