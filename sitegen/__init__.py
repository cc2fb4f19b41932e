"""The static catalog site, the registry protocol files and the terminal sidecar."""
