"""Jinja2 with every document string escaped and its URL passwords hidden, Markdown sanitised, links checked."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from reconciler.herald.compile import dump_yaml
from sitegen.safety.markdown import render_markdown
from sitegen.safety.secrets import redact, scrub_text
from sitegen.safety.urls import safe_url
from sitegen.urls import relative

TEMPLATES = Path(__file__).parent / "templates"


def _finalize(value: Any) -> Any:
    # Markup is ours (already safe); any other string may come from a document.
    if isinstance(value, str) and not isinstance(value, Markup):
        return scrub_text(value)
    return "" if value is None else value


@jinja2.pass_context
def _rel(context: jinja2.runtime.Context, target: str) -> str:
    return relative(target, context["here"])


def _markdown(text: str | None) -> Markup:
    return Markup(render_markdown(scrub_text(text or "")))


def _yaml(value: Mapping[str, Any]) -> str:
    """Document data as YAML, with secret-named values and URL passwords hidden."""
    return dump_yaml(redact(value)) if value else ""


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(rel=_rel, markdown=_markdown, yaml=_yaml, safe_url=safe_url)
    return env


def render(template: str, here: str, **values: Any) -> str:
    """The HTML of `template` for the page at `here` (its URL, for relative links)."""
    return environment().get_template(template).render(here=here, **values)
