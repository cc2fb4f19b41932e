"""An Atom feed (RFC 4287) of the registry's news: versions published and approvals given, from the times the
commit records. Entry ids are derived from what they announce, so a rebuild never shows a reader old news as
new, and the same commit gives the same bytes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

from reconciler.keeper.state import AUTO_APPROVER, ArtifactState
from reconciler.model.kinds import RepoModel
from sitegen.api.endpoints import entity_path
from sitegen.redact import without_url_passwords
from sitegen.registry.published import registry_states

FEED_PATH = "feed.xml"
ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://butlerlabs.dev/portal/feed")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    key: str  # what the entry announces, e.g. "networking/vpc/aws@1.2.0 approved by bob@acme.dev"
    title: str
    author: str
    at: datetime
    summary: str
    artifact: str  # the Artifact's metadata.name

    @property
    def id(self) -> str:
        return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, self.key)}"


def _registry_key(state: ArtifactState) -> str:
    return "/".join(p for p in (state.namespace, state.registry_name, state.provider) if p)


def feed_entries(states: Mapping[str, ArtifactState]) -> list[FeedEntry]:
    """Every publication and every approval that counts, newest first."""
    entries: list[FeedEntry] = []
    for name, state in sorted(states.items()):
        key = _registry_key(state)
        for version in state.versions:
            changelog = version.data.get("changelog")
            if version.published_at is not None:
                entries.append(
                    FeedEntry(
                        f"{key}@{version.version} published",
                        f"{key} {version.version} published",
                        version.published_by,
                        version.published_at,
                        without_url_passwords(changelog) if isinstance(changelog, str) else "",
                        name,
                    )
                )
            for approval in version.approvals:
                if approval.at is None:
                    continue
                verb = "auto-approved" if approval.by == AUTO_APPROVER else f"approved by {approval.by}"
                entries.append(
                    FeedEntry(
                        f"{key}@{version.version} approved by {approval.by}",
                        f"{key} {version.version} {verb}",
                        approval.by,
                        approval.at,
                        without_url_passwords(approval.comment),
                        name,
                    )
                )
    return sorted(entries, key=lambda e: (e.at, e.id), reverse=True)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = _NOT_XML.sub("", text)  # a control character in a changelog must not make the feed unreadable
    return element


def atom_feed(
    model: RepoModel,
    base_url: str,
    states: Mapping[str, ArtifactState] | None = None,
    page_path: Callable[[str], str] | None = None,
) -> bytes:
    """The feed of the latest MAX_ENTRIES entries. `page_path` gives the site path of an artifact's page (by
    its name); by default entries link to the artifact's API file."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    page_path = page_path or (lambda name: entity_path("Artifact", name))
    entries = feed_entries(registry_states(model, states))[:MAX_ENTRIES]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, base)}")
    _text(feed, "title", "Registry: new versions and approvals")
    _text(feed, "updated", _time(max((e.at for e in entries), default=_EPOCH)))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": urljoin(base, FEED_PATH)})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": base})
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "Butler Portal")
    for entry in entries:
        element = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(element, "id", entry.id)
        _text(element, "title", entry.title)
        _text(element, "updated", _time(entry.at))
        ET.SubElement(
            element, f"{{{ATOM}}}link", {"rel": "alternate", "href": urljoin(base, page_path(entry.artifact))}
        )
        _text(ET.SubElement(element, f"{{{ATOM}}}author"), "name", entry.author)
        if entry.summary:
            _text(element, "summary", entry.summary, type="text")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
