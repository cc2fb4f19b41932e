"""The static catalog site: pages, search and machine-readable outputs generated from one commit."""
