"""Keeper's registry rules for artifacts declared in Git: versions, approvals as Git acts, policies, transitions.

`state.derive` computes what Keeper's tables would hold (version states, latest, effective policy) for a commit
judged on its own or as a change to a base; `state.recorded_state` is that state for a merged commit of the target
branch, and `state.archived_artifacts` the artifacts a change removes; `changes.registry_changes` lists what a
change does to the registry (for the PR check's plan). `commit.check` reports every rule a commit (or a change,
against its base) breaks, each at the entry it is about; `checks` declares them to the validator.
"""
