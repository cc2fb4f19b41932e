"""Install snippets per artifact type: the one place the artifact page takes them from.

When `sitegen.registry.snippets.install_snippets` exists, `install_snippets` below becomes a call to it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from reconciler.keeper.state import ArtifactState
from sitegen.pages.inputs import SiteOptions, Snippet


def install_snippets(state: ArtifactState, options: SiteOptions) -> list[Snippet]:
    latest = state.latest
    if latest is None:
        return []
    storage = state.artifact.doc.spec.get("storage") or {}
    oci = storage.get("oci") if isinstance(storage, dict) else None
    base = (options.base_url or "https://portal.example").rstrip("/")
    host = urlsplit(base).netloc  # Terraform finds the registry's paths by service discovery on the host
    version = latest.version
    if state.type == "terraform-module":
        source = f"{host}/{state.namespace}/{state.registry_name}/{state.provider or ''}".rstrip("/")
        return [
            (
                "Terraform",
                "hcl",
                f'module "{state.registry_name}" {{\n  source  = "{source}"\n  version = "{version}"\n}}',
            )
        ]
    if state.type == "helm-chart":
        if isinstance(oci, dict) and oci.get("registryUrl"):
            ref = f"{str(oci['registryUrl']).rstrip('/')}/{oci.get('repository', state.registry_name)}"
            return [("Helm (OCI)", "shell", f"helm install {state.registry_name} {ref} --version {version}")]
        return [
            (
                "Helm",
                "shell",
                f"helm repo add {state.namespace} {base}/helm/{state.namespace}\n"
                f"helm install {state.registry_name} {state.namespace}/{state.registry_name} --version {version}",
            )
        ]
    if isinstance(oci, dict) and oci.get("registryUrl"):
        ref = f"{str(oci['registryUrl']).split('://', 1)[-1].rstrip('/')}/{oci.get('repository', state.registry_name)}"
        if state.type == "opa-bundle":
            return [("OPA", "shell", f"opa run --server --bundle {ref}:{version}")]
        return [("ORAS", "shell", f"oras pull {ref}:{version}")]
    return []
