"""The site generator and the services that ship with the built site (the live-terminal sidecar)."""
