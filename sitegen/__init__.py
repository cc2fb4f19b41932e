"""The static catalog: a commit rendered into a browsable, searchable site (MkDocs with Material, Pagefind), its
machine-readable outputs (JSON API, feed, registry protocol files), and the live-terminal sidecar served beside it.

`sitegen` may import `reconciler`; `reconciler` never imports `sitegen` except its `site` command.
"""
