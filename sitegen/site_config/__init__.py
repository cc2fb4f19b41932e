"""The repo's `site/` folder: its `mkdocs.yml` fragment read as data, never as code.

Only an allow-listed set of keys is read: `site_name`, `theme.palette`, `theme.icon.logo` and `nav` entries
naming Markdown pages of `site/`. Everything else — `hooks`, `plugins`, `custom_dir`, `extra_javascript`,
Markdown extensions (some include files), YAML tags such as `!ENV` — is refused with its location: a pull
request must not run code or read the environment where the site is built.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from reconciler.load.sources import SITE_CONFIG
from reconciler.model.diagnostics import Diagnostic, Location, error

FRAGMENT = SITE_CONFIG
DEFAULT_SITE_NAME = "Platform catalog"
_PLAIN_TEXT = re.compile(r"^[\w .,:;!?'()&+/@-]{1,80}$")
_ICON = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+$")
_COLOR = re.compile(r"^[a-z]+( [a-z]+)?$")
_PAGE = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.md$")
_WHY = {
    "hooks": "hooks run Python code at build time",
    "plugins": "plugins run code at build time",
    "custom_dir": "theme templates are code",
    "extra_javascript": "scripts from the repo would run on every page",
    "extra_css": "only the portal's own styles are served",
    "markdown_extensions": "Markdown extensions can include files from the build machine",
    "extra": "only the portal sets extra values",
    "site_dir": "the output folder is --out",
    "docs_dir": "pages come from site/ only",
}


@dataclass(frozen=True, slots=True)
class NavEntry:
    title: str
    page: str  # relative to site/: "guides/onboarding.md"
    location: Location


@dataclass(frozen=True, slots=True)
class SiteConfig:
    site_name: str = DEFAULT_SITE_NAME
    palette: dict[str, str] = field(default_factory=dict)
    logo_icon: str | None = None
    nav: tuple[NavEntry, ...] = ()
    pages: dict[str, str] = field(default_factory=dict)  # page → its Markdown


class _Refused(Exception):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.node = node


def _plain(node: yaml.Node) -> Any:
    """The node as plain data; any explicit tag (`!ENV`, `!!python/name`) is refused."""
    if not node.tag.startswith("tag:yaml.org,2002:") or node.tag.startswith("tag:yaml.org,2002:python"):
        raise _Refused(f"YAML tag {node.tag} is not allowed: the fragment is data", node)
    if isinstance(node, yaml.MappingNode):
        return {str(_plain(k)): (_plain(v), k) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [(_plain(v), v) for v in node.value]
    return node.value


def _at(node: yaml.Node) -> Location:
    return Location(FRAGMENT, node.start_mark.line + 1, node.start_mark.column + 1)


def _text(value: Any, node: yaml.Node, what: str) -> str:
    if not isinstance(value, str) or not _PLAIN_TEXT.match(value):
        raise _Refused(
            f"{what} must be plain text of at most 80 characters (letters, digits, spaces, punctuation)", node
        )
    return value


def _palette(value: Any, node: yaml.Node) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Refused("theme.palette must be a mapping of scheme, primary and accent", node)
    palette: dict[str, str] = {}
    for key, (item, key_node) in value.items():
        if key not in ("scheme", "primary", "accent") or not isinstance(item, str) or not _COLOR.match(item):
            raise _Refused(f"theme.palette.{key} is not allowed (scheme, primary and accent: colour names)", key_node)
        palette[key] = item
    return palette


def _theme(value: Any, node: yaml.Node) -> tuple[dict[str, str], str | None]:
    if not isinstance(value, dict):
        raise _Refused("theme must be a mapping", node)
    palette: dict[str, str] = {}
    logo: str | None = None
    for key, (item, key_node) in value.items():
        if key == "palette":
            palette = _palette(item, key_node)
        elif key == "icon" and isinstance(item, dict) and set(item) == {"logo"}:
            icon, icon_node = item["logo"]
            if not isinstance(icon, str) or not _ICON.match(icon):
                raise _Refused("theme.icon.logo must name a bundled icon, such as material/library", icon_node)
            logo = icon
        else:
            why = _WHY.get(key, "only palette and icon.logo are read")
            raise _Refused(f"theme.{key} is not allowed: {why}", key_node)
    return palette, logo


def _nav(value: Any, node: yaml.Node) -> tuple[NavEntry, ...]:
    if not isinstance(value, list):
        raise _Refused("nav must be a list of `Title: page.md` entries", node)
    entries = []
    for item, item_node in value:
        if not isinstance(item, dict) or len(item) != 1:
            raise _Refused("each nav entry must be one `Title: page.md`", item_node)
        ((title, (page, page_node)),) = item.items()
        _text(title, item_node, "a nav title")
        if not isinstance(page, str) or not _PAGE.match(page) or posixpath.normpath(page) != page:
            raise _Refused("a nav page must be a Markdown file of site/, such as guides/onboarding.md", page_node)
        entries.append(NavEntry(title, page, _at(page_node)))
    return tuple(entries)


def read_site_config(read_text: Callable[[str], str | None]) -> tuple[SiteConfig, list[Diagnostic]]:
    """The repo's site configuration and pages, or the findings that refuse it."""
    text = read_text(FRAGMENT)
    if text is None:
        return SiteConfig(), []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = Location(FRAGMENT, mark.line + 1, mark.column + 1) if mark else Location(FRAGMENT)
        return SiteConfig(), [error(f"not valid YAML: {exc.problem}", where)]
    if root is None:
        return SiteConfig(), []
    try:
        data = _plain(root)
        if not isinstance(data, dict):
            raise _Refused("the fragment must be a mapping", root)
        config = SiteConfig()
        name, palette, logo, nav = config.site_name, {}, None, ()
        for key, (value, key_node) in data.items():
            if key == "site_name":
                name = _text(value, key_node, "site_name")
            elif key == "theme":
                palette, logo = _theme(value, key_node)
            elif key == "nav":
                nav = _nav(value, key_node)
            else:
                why = _WHY.get(key, "only site_name, theme (palette, icon.logo) and nav are read")
                raise _Refused(f"{key} is not allowed: {why}", key_node)
    except _Refused as refused:
        return SiteConfig(), [error(str(refused), _at(refused.node))]
    pages: dict[str, str] = {}
    findings = []
    for entry in nav:
        page_text = read_text(f"site/{entry.page}")
        if page_text is None:
            findings.append(error(f"nav page site/{entry.page} does not exist", entry.location))
        else:
            pages[entry.page] = page_text
    return SiteConfig(name, palette, logo, nav, pages), findings
