"""Terraform's registry protocols, asked as Terraform asks: service discovery, then versions, then download."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.keeper.state import recorded_state
from reconciler.load.sources import working_tree
from reconciler.model.kinds import RepoModel
from reconciler.resources import template_dir
from reconciler.validate import validate_source
from sitegen.registry.terraform import module_download_url, terraform_files
from tests.conftest import PortalRun
from tests.herald.builders import line_of
from tests.sitegen.builders import APPROVED, PENDING, REJECTED, YANKED, get_json, registry_artifact, registry_repo

GIT = "{git: {repositoryUrl: https://github.com/acme/terraform-aws-vpc, path: modules/vpc}}"
MODULE_SPEC = "  provider: aws\n"
SHA = "1b696785b2ca7f620f3b11fbac48323991cb93465adb7961abf627fb2f7ed06f"
RELEASES = "https://github.com/acme/terraform-provider-acme/releases/download"
ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----\\n\\nmQINBGB9\\n-----END PGP PUBLIC KEY BLOCK-----\\n"


def module_repo(versions: str, storage: str = GIT) -> RepoModel:
    return registry_repo({"vpc": registry_artifact("vpc", "terraform-module", storage, versions, spec=MODULE_SPEC)})


MODULE_VERSIONS = (
    APPROVED.format(version="1.0.0")
    + APPROVED.format(version="1.1.0")
    + PENDING.format(version="1.2.0")
    + YANKED.format(version="0.9.0")
    + REJECTED.format(version="0.8.0")
)


def test_terraform_finds_a_module_through_discovery_and_lists_only_approved_unyanked_versions() -> None:
    site = terraform_files(module_repo(MODULE_VERSIONS), "https://portal.acme.dev/")
    modules_api = get_json(site, "/.well-known/terraform.json")["modules.v1"]
    assert modules_api == "/v1/modules/"
    answer = get_json(site, f"{modules_api}networking/vpc/aws/versions")
    assert answer == {"modules": [{"versions": [{"version": "1.1.0"}, {"version": "1.0.0"}]}]}
    assert site.warnings == ()


def test_discovery_follows_a_base_path() -> None:
    site = terraform_files(module_repo(MODULE_VERSIONS), "https://acme.dev/portal")
    assert get_json(site, "/.well-known/terraform.json") == {
        "modules.v1": "/portal/v1/modules/",
        "providers.v1": "/portal/v1/providers/",
    }


def test_module_download_is_the_storage_address_of_a_served_version_only() -> None:
    repo = module_repo(MODULE_VERSIONS)
    url = module_download_url(repo, "networking", "vpc", "aws", "1.1.0")
    assert url == "git::https://github.com/acme/terraform-aws-vpc//modules/vpc?ref=v1.1.0"
    assert module_download_url(repo, "networking", "vpc", "aws", "1.1.0+build.7") == url  # same precedence
    assert module_download_url(repo, "networking", "vpc", "aws", "1.1.0", states=recorded_state(repo)) == url
    for refused in ("1.2.0", "0.9.0", "0.8.0", "3.0.0", "not-a-version"):  # pending, yanked, rejected, unknown
        assert module_download_url(repo, "networking", "vpc", "aws", refused) is None
    assert module_download_url(repo, "networking", "vpc", "gcp", "1.1.0") is None
    assert module_download_url(repo, "other", "vpc", "aws", "1.1.0") is None


def test_a_pinned_ref_wins_over_the_tag_and_oci_storage_gives_an_oci_address() -> None:
    pinned = APPROVED.format(version="1.0.0") + "      storageRef: {tag: release-1.0.0, ref: 2818ced0}\n"
    assert module_download_url(module_repo(pinned), "networking", "vpc", "aws", "1.0.0") == (
        "git::https://github.com/acme/terraform-aws-vpc//modules/vpc?ref=2818ced0"
    )
    oci = "{oci: {registryUrl: oci://ghcr.io, repository: acme/modules/vpc}}"
    assert module_download_url(
        module_repo(APPROVED.format(version="1.0.0"), oci), "networking", "vpc", "aws", "1.0.0"
    ) == ("oci://ghcr.io/acme/modules/vpc?tag=1.0.0")
    scp = "{git: {repositoryUrl: 'git@github.com:acme/vpc.git'}}"
    assert module_download_url(
        module_repo(APPROVED.format(version="1.0.0"), scp), "networking", "vpc", "aws", "1.0.0"
    ) == ("git::ssh://git@github.com/acme/vpc.git?ref=v1.0.0")


@pytest.mark.parametrize(
    "storage",
    [
        "{git: {repositoryUrl: 'https://bob:hunter2@github.com/acme/vpc'}}",  # a password never leaves the repo
        "{git: {repositoryUrl: 'file:///etc/passwd'}}",  # not a scheme Terraform should fetch from a registry
        "{git: {repositoryUrl: 'https://github.com/acme/vpc?ref=main'}}",  # would carry a second ref
    ],
)
def test_a_storage_terraform_must_not_fetch_leaves_the_version_out_with_a_located_warning(storage: str) -> None:
    site = terraform_files(module_repo(APPROVED.format(version="1.0.0"), storage))
    assert get_json(site, "/v1/modules/networking/vpc/aws/versions") == {"modules": [{"versions": []}]}
    assert [w.format() for w in site.warnings] == [
        "artifacts/vpc.yaml:9:3: warning: Artifact/vpc: version 1.0.0 is left out of the Terraform registry: its "
        "storage gives no address Terraform can fetch (an https, http, ssh or git URL without a password or query, "
        "or an OCI registry and repository)"
    ]
    assert b"hunter2" not in b"".join(site.files.values())
    assert (
        module_download_url(module_repo(APPROVED.format(version="1.0.0"), storage), "networking", "vpc", "aws", "1.0.0")
        is None
    )


def test_a_tag_that_would_break_out_of_the_query_is_not_served() -> None:
    hostile = APPROVED.format(version="1.0.0") + "      storageRef: {tag: 'v1&archive=zip#x'}\n"
    repo = module_repo(hostile)
    assert module_download_url(repo, "networking", "vpc", "aws", "1.0.0") is None
    assert get_json(terraform_files(repo), "/v1/modules/networking/vpc/aws/versions") == {"modules": [{"versions": []}]}


def platform(os: str, arch: str) -> str:
    filename = f"terraform-provider-acme_0.5.0_{os}_{arch}.zip"
    return (
        f"            - {{os: {os}, arch: {arch}, filename: {filename}, "
        f"downloadUrl: '{RELEASES}/v0.5.0/{filename}', shasum: {SHA}}}\n"
    )


def provider_version(version: str, platforms: str, *, signed: bool = True) -> str:
    signing = (
        f"          shasumsUrl: {RELEASES}/v{version}/SHA256SUMS\n"
        f"          shasumsSignatureUrl: {RELEASES}/v{version}/SHA256SUMS.sig\n"
        f'          signingKeys: [{{keyId: 51852D87348FFC4C, asciiArmor: "{ARMOR}"}}]\n'
    )
    return (
        APPROVED.format(version=version)
        + "      metadata:\n        terraform:\n"
        + (signing if signed else "")
        + "          platforms:\n"
        + platforms
    )


def provider_repo(versions: str) -> RepoModel:
    storage = "{git: {repositoryUrl: https://github.com/acme/terraform-provider-acme}}"
    return registry_repo(
        {"acme": registry_artifact("acme", "terraform-provider", storage, versions, namespace="platform")}
    )


def test_terraform_installs_a_provider_version_for_its_platform() -> None:
    repo = provider_repo(
        provider_version("0.5.0", platform("linux", "amd64") + platform("darwin", "arm64"))
        + PENDING.format(version="0.6.0")
    )
    site = terraform_files(repo)
    providers_api = get_json(site, "/.well-known/terraform.json")["providers.v1"]
    versions = get_json(site, f"{providers_api}platform/acme/versions")
    assert versions == {
        "versions": [
            {
                "version": "0.5.0",
                "protocols": ["5.0"],
                "platforms": [{"os": "linux", "arch": "amd64"}, {"os": "darwin", "arch": "arm64"}],
            }
        ]
    }
    download = get_json(site, f"{providers_api}platform/acme/0.5.0/download/darwin/arm64")
    assert download == {
        "protocols": ["5.0"],
        "os": "darwin",
        "arch": "arm64",
        "filename": "terraform-provider-acme_0.5.0_darwin_arm64.zip",
        "download_url": f"{RELEASES}/v0.5.0/terraform-provider-acme_0.5.0_darwin_arm64.zip",
        "shasums_url": f"{RELEASES}/v0.5.0/SHA256SUMS",
        "shasums_signature_url": f"{RELEASES}/v0.5.0/SHA256SUMS.sig",
        "shasum": SHA,
        "signing_keys": {
            "gpg_public_keys": [{"key_id": "51852D87348FFC4C", "ascii_armor": ARMOR.replace("\\n", "\n")}]
        },
    }
    assert site.warnings == ()
    # every version and platform listed has its download file, and nothing else is published
    published = {p for p in site.files if "/download/" in p}
    assert published == {
        "v1/providers/platform/acme/0.5.0/download/linux/amd64",
        "v1/providers/platform/acme/0.5.0/download/darwin/arm64",
    }


def test_an_unsigned_provider_version_is_left_out_with_a_located_warning() -> None:
    repo = provider_repo(provider_version("0.5.0", platform("linux", "amd64"), signed=False))
    site = terraform_files(repo)
    assert get_json(site, "/v1/providers/platform/acme/versions") == {"versions": []}
    assert not [p for p in site.files if "/download/" in p]
    assert [w.format() for w in site.warnings] == [
        "artifacts/acme.yaml:16:9: warning: Artifact/acme: version 0.5.0 is left out of the Terraform provider "
        "registry: it needs metadata.terraform.shasumsUrl, metadata.terraform.shasumsSignatureUrl, "
        "metadata.terraform.signingKeys"
    ]


def test_an_incomplete_or_hostile_platform_is_left_out_and_writes_nothing_outside_its_folder() -> None:
    incomplete = "            - {os: windows, arch: amd64}\n"
    hostile = platform("linux", "amd64").replace("os: linux", "os: ../../../etc")
    repo = provider_repo(provider_version("0.5.0", platform("linux", "arm64") + incomplete + hostile))
    site = terraform_files(repo)
    versions = get_json(site, "/v1/providers/platform/acme/versions")["versions"]
    assert versions[0]["platforms"] == [{"os": "linux", "arch": "arm64"}]
    assert all(".." not in path for path in site.files)
    assert [w.format() for w in site.warnings] == [
        "artifacts/acme.yaml:22:15: warning: Artifact/acme: version 0.5.0: platform windows/amd64 is left out of "
        "the Terraform provider registry: it lacks filename, downloadUrl, shasum",
        "artifacts/acme.yaml:23:15: warning: Artifact/acme: version 0.5.0: platform ../../../etc/amd64 is left out "
        "of the Terraform provider registry: it lacks os and arch made of lower-case letters, digits and _",
    ]


def test_provider_signing_metadata_that_terraform_cannot_use_is_a_located_validation_error(
    tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(template_dir(), repo)
    path = repo / "artifacts/acme-provider/artifact.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("keyId: 51852D87348FFC4C", "keyId: not-a-key-id").replace(
            "shasumsSignatureUrl: https://", "shasumsSignatureUrl: ftp://"
        ),
        encoding="utf-8",
    )
    result = portal("validate", repo)
    assert result.code == 1
    key_line = line_of(text, "keyId:")
    signature_line = line_of(text, "shasumsSignatureUrl:")
    errors = [line for line in result.lines if ": error: " in line]
    assert [line.split(": error: ")[0] for line in errors] == [
        f"artifacts/acme-provider/artifact.yaml:{signature_line}:11",
        f"artifacts/acme-provider/artifact.yaml:{key_line}:15",
    ]
    assert "shasumsSignatureUrl" in errors[0] and "keyId" in errors[1]


def test_on_the_starter_repo_every_listed_version_leads_somewhere(tmp_path: Path) -> None:
    validation = validate_source(working_tree(template_dir()), state_dir=tmp_path)
    model = validation.model
    site = terraform_files(model, "https://portal.acme.dev/")
    modules = sorted(p for p in site.files if p.startswith("v1/modules/"))
    assert modules == ["v1/modules/data/rds-postgres/aws/versions", "v1/modules/networking/vpc/aws/versions"]
    for path in modules:
        namespace, name, system = path.split("/")[2:5]
        listed = [v["version"] for v in get_json(site, path)["modules"][0]["versions"]]
        assert listed
        assert all(module_download_url(model, namespace, name, system, v) for v in listed)
    for version in get_json(site, "/v1/providers/platform/acme/versions")["versions"]:
        for p in version["platforms"]:
            download = get_json(
                site, f"/v1/providers/platform/acme/{version['version']}/download/{p['os']}/{p['arch']}"
            )
            assert download["os"] == p["os"] and download["signing_keys"]["gpg_public_keys"]
    # 0.4.0 was approved before its release carried signatures: it is left out, and the build says why
    assert [w.format().split(": warning: ")[1] for w in site.warnings] == [
        "Artifact/acme-provider: version 0.4.0 is left out of the Terraform provider registry: it needs "
        "metadata.terraform.shasumsUrl, metadata.terraform.shasumsSignatureUrl, metadata.terraform.signingKeys, "
        "metadata.terraform.platforms"
    ]
