"""Markdown from the repo (READMEs, changelogs, descriptions, the site's own pages) as HTML that cannot run.

Raw HTML is not parsed but shown as text, and the result is sanitised by nh3 all the same: a Markdown
extension or a corner of the parser must not be the one gap.
"""

from __future__ import annotations

import markdown
import nh3

from sitegen.safety.urls import ALLOWED_SCHEMES

_TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "hr", "i", "kbd", "li"),
        *("ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "img"),
    }
)
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}, "*": set()}
# Extensions that only shape text: none of them reads a file or runs anything.
_EXTENSIONS = ("tables", "fenced_code", "sane_lists")


def _converter() -> markdown.Markdown:
    converter = markdown.Markdown(extensions=list(_EXTENSIONS), output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return converter


_CONVERTER = _converter()  # built once: building one costs more than converting a README


def sanitize_html(html: str) -> str:
    # Images only from the site itself: a remote one would be a request leaving it.
    return nh3.clean(
        html,
        tags=set(_TAGS),
        attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_local_images_only,
    )


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and (":" in value.split("/", 1)[0] or value.startswith("//")):
        return None
    return value


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown written by anyone who can open a pull request."""
    return sanitize_html(_CONVERTER.reset().convert(text))
