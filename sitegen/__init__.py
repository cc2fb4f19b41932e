"""The static catalog: a commit rendered into a browsable, searchable site (MkDocs with Material, Pagefind).

`sitegen` may import `reconciler`; `reconciler` never imports `sitegen` except its `site` command.
"""
