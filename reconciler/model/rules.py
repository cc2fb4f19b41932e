"""The stable id of every kind of finding, with what it checks in a line: reports that group findings by kind
(SARIF's rules, JUnit's suites, GitLab's check_name) name them by these ids, so they must never be renamed."""

from __future__ import annotations

from reconciler.model.diagnostics import Diagnostic

# A file that cannot hold documents, before any YAML is read.
FILE_TYPE = "file-type"
FILE_SIZE = "file-size"
ENCODING = "encoding"
PATH_CHARACTERS = "path-characters"
# A file's YAML and the envelope of each document in it.
YAML = "yaml"
DOCUMENT_SHAPE = "document-shape"
API_VERSION = "api-version"
KIND = "kind"
METADATA_NAME = "metadata-name"
STORABLE_VALUES = "storable-values"
# One document on its own.
SCHEMA = "schema"
NAMES = "names"
# Across the documents of a commit.
DUPLICATES = "duplicates"
REGISTRY_KEYS = "registry-keys"
VECTOR = "vector"
PIPELINE_TESTS = "pipeline-tests"
# `portal check --reviews`: an approval in YAML counts only with a real review behind it.
REVIEWS = "reviews"
# Findings made outside the declared checks, which carry no rule of their own.
OTHER = "other"

RULES: dict[str, str] = {
    FILE_TYPE: "Documents are regular files: symbolic links, FIFOs, sockets and devices are refused unread",
    FILE_SIZE: "A file holding documents is at most 1 MiB",
    ENCODING: "Documents are UTF-8 text",
    PATH_CHARACTERS: "Paths hold no control characters",
    YAML: "YAML syntax and the loader's limits (tabs, duplicate keys, alias expansion, nesting)",
    DOCUMENT_SHAPE: "A document is a mapping",
    API_VERSION: "A document names the portal's apiVersion",
    KIND: "A document is of a known kind",
    METADATA_NAME: "A document has a metadata.name",
    STORABLE_VALUES: "Values a database can hold: no .nan or .inf, integers within bigint, no NUL characters",
    SCHEMA: "A document matches its kind's JSON Schema",
    NAMES: "A name fits everywhere it ends up (namespaces, object names, labels)",
    "artifact": "Every time an Artifact records is a real instant",
    "pipeline": "A Pipeline on its own: component types, options, VRL programs and topology",
    DUPLICATES: "Every document's identity is declared once",
    REGISTRY_KEYS: "A registry key belongs to one artifact",
    "references": "References to teams, clusters, templates, artifacts and policies resolve",
    "hidden": "A base document the change hides with .portalignore counts as deleted",
    "connections": "No two Clusters share a connection; kubeconfig Secrets are read only from Butler's namespace",
    "chambers": "Workspaces: owners, clusters, templates, and each cluster's workspace limits and quota",
    "herald": "Pipelines' placements on clusters",
    "identities": "No two documents compile to the same Kubernetes object",
    "keeper": "Artifacts across the commit: approvals, policies, version transitions and registry keys",
    VECTOR: "`vector validate` accepts every compiled config",
    PIPELINE_TESTS: "A Pipeline's spec.tests pass on the simulated transforms, as `vector test` would judge them",
    # `portal check --reviews`: an approval in YAML counts only with a real review behind it.
    REVIEWS: "Every approval a change adds matches an approving review of the head commit by that member",
}


def rule_of(finding: Diagnostic) -> str:
    return finding.rule or OTHER


def describe(rule: str) -> str:
    """What `rule` checks, in a line."""
    return RULES.get(rule, "A finding of the portal's checks")
