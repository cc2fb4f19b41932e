"""The JSON API: every endpoint validates against its published schema and equals the YAML it comes from; no
secret reaches it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from reconciler.load.sources import working_tree
from reconciler.model.kinds import RepoModel
from reconciler.resources import schemas_dir, template_dir
from reconciler.validate import validate_source
from sitegen.api.endpoints import INDEX_PATH, api_files
from tests.herald.builders import APP_LOGS, PRD_CLUSTER, TEAMS, model_of
from tests.sitegen.builders import APPROVED, registry_artifact

DOCUMENT_KEYS = ("apiVersion", "kind", "metadata", "spec")


class _PlainTimestamps(yaml.SafeLoader):
    """YAML as the portal reads it: a timestamp stays the text written (the schemas type it as a string)."""


_PlainTimestamps.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pytest.fixture(scope="module")
def template_model(tmp_path_factory: pytest.TempPathFactory) -> RepoModel:
    validation = validate_source(working_tree(template_dir()), state_dir=tmp_path_factory.mktemp("state"))
    assert not validation.errors
    return validation.model


def schema_registry() -> Registry:
    resources = []
    for path in sorted(schemas_dir().rglob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def validate(instance: Any, schema_name: str, registry: Registry) -> None:
    schema = json.loads((schemas_dir() / "api" / f"{schema_name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def test_every_endpoint_validates_and_equals_the_yaml(template_model: RepoModel) -> None:
    site = api_files(template_model)
    registry = schema_registry()
    index = json.loads(site.files[INDEX_PATH])
    validate(index, "index", registry)
    assert sorted(e["path"] for e in index["entities"]) == sorted(p for p in site.files if p != INDEX_PATH)
    kinds = {e["kind"] for e in index["entities"]}
    assert kinds == {"Team", "Cluster", "WorkspaceTemplate", "Workspace", "Artifact", "Policy", "Pipeline"}
    for entry in index["entities"]:
        entity = json.loads(site.files[entry["path"]])
        validate(entity, entry["kind"].lower(), registry)
        source = entity["status"]["source"]
        text = (template_dir() / source["path"]).read_text(encoding="utf-8")
        written = list(yaml.load_all(text, Loader=_PlainTimestamps))[source["document"]]
        assert {key: entity[key] for key in DOCUMENT_KEYS} == written, entry["path"]
        assert set(entity) == {*DOCUMENT_KEYS, "status"}


def test_workspaces_are_published_under_their_team(template_model: RepoModel) -> None:
    site = api_files(template_model)
    (team, name), _ = next(iter(sorted(template_model.workspaces.items())))
    workspace = json.loads(site.files[f"api/workspace/{team}/{name}.json"])
    assert (workspace["metadata"]["name"], workspace["spec"]["team"]) == (name, team)


def test_artifact_status_carries_keepers_derived_facts(template_model: RepoModel) -> None:
    vpc = json.loads(api_files(template_model).files["api/artifact/vpc.json"])["status"]
    assert vpc["latest"] == "1.2.0"
    assert [(v["version"], v["state"], v["latest"], v["yanked"]) for v in vpc["versions"]] == [
        ("1.3.0-rc.1", "pending", False, False),
        ("1.2.0", "approved", True, False),
        ("1.1.0", "approved", False, True),
        ("1.0.0", "approved", False, False),
        ("0.9.0", "rejected", False, False),
    ]
    assert vpc["effectivePolicy"]["rules"]["minApprovers"] == 2
    assert vpc["registry"] == {"namespace": "networking", "name": "vpc", "provider": "aws"}


def test_the_same_commit_gives_the_same_bytes(template_model: RepoModel) -> None:
    assert api_files(template_model).files == api_files(template_model).files


CANARY = "CANARY-7f3a"


def test_no_secret_reaches_the_api() -> None:
    pipeline = APP_LOGS.replace('token: "${LOKI_TOKEN}"', f'token: "{CANARY}-token"').replace(
        '"http://loki.observability:3100"', f'"http://loki:{CANARY}-pass@loki.observability:3100"'
    )
    storage = f"{{git: {{repositoryUrl: 'https://bot:{CANARY}-git@github.com/acme/vpc'}}}}"
    description = f"  description: 'Mirror of https://bot:{CANARY}-text@git.acme.dev/vpc'\n"
    artifact = registry_artifact("vpc", "oci-artifact", storage, APPROVED.format(version="1.0.0"), spec=description)
    model = model_of(TEAMS, PRD_CLUSTER, pipeline, artifact)
    site = api_files(model)
    assert CANARY not in b"".join(site.files.values()).decode()
    published = json.loads(site.files["api/pipeline/app-logs.json"])["spec"]
    assert published["sinks"]["loki_errors"]["auth"] == {"strategy": "bearer", "token": "***"}
    assert {"name": "LOKI_TOKEN", "secretRef": {"name": "loki-credentials", "key": "token"}} in published["env"]
    assert published["env"][0]["value"] == "http://loki:***@loki.observability:3100"
    artifact_spec = json.loads(site.files["api/artifact/vpc.json"])["spec"]
    assert artifact_spec["description"] == "Mirror of https://bot:***@git.acme.dev/vpc"
