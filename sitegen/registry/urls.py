"""URLs from documents, let through only when a client (or a person pasting them) can use them safely: an
allow-listed scheme, no whitespace or control characters, no password."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from reconciler.passwords import url_passwords

WEB_SCHEMES = frozenset({"https", "http"})
GIT_SCHEMES = frozenset({"https", "http", "ssh", "git"})
# git's scp-like form: user@host:owner/repo.git
_SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^\s/][^\s]*)$")
# the OCI distribution spec's repository names, and a registry host with an optional port
_OCI_REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$")
_REGISTRY_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\"'`\\<>{}|^]")


def allowed_url(text: object, schemes: frozenset[str] = WEB_SCHEMES) -> str | None:
    """`text` when it is a URL with one of `schemes`, a host, and nothing that could break out of a quoted string
    or leak a credential; None otherwise."""
    if not isinstance(text, str) or _UNSAFE.search(text) or url_passwords(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        return None
    return text


def git_url(text: object) -> str | None:
    """A git repository URL as an allowed URL; the scp-like form becomes the ssh:// URL it stands for."""
    if isinstance(text, str) and (match := _SCP_LIKE.match(text)):
        text = f"ssh://{match['user']}@{match['host']}/{match['path']}"
    return allowed_url(text, GIT_SCHEMES)


def oci_reference(registry_url: object, repository: object) -> str | None:
    """`host/repository` of an OCI storage block, when both are what OCI allows (the registry may be written
    with an oci, https or http scheme, or none)."""
    if not isinstance(registry_url, str) or not isinstance(repository, str):
        return None
    scheme, _, host = registry_url.rpartition("://")
    host = host.rstrip("/")
    if scheme not in ("", "oci", "https", "http") or not _REGISTRY_HOST.match(host):
        return None
    return f"{host}/{repository}" if _OCI_REPOSITORY.match(repository) else None
