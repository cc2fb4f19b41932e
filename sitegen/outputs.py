"""The site's machine-readable files beside its pages: the JSON API, Terraform's and Helm's registry files, the
Atom feed and the sitemap. Built whole on every build (they are cheap next to the pages), written after MkDocs,
which empties its output folder on a full build and writes a sitemap of its own that this one replaces."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sitegen.api.endpoints import api_files
from sitegen.feed import FEED_PATH, atom_feed
from sitegen.files import SiteFiles
from sitegen.pages.inputs import SiteInputs
from sitegen.registry.helm import helm_files
from sitegen.registry.terraform import terraform_files
from sitegen.sitemap import sitemap_xml
from sitegen.urls import entity_url

SITEMAP_PATH = "sitemap.xml"
MKDOCS_SITEMAPS = (SITEMAP_PATH, SITEMAP_PATH + ".gz")
MANIFEST = "outputs.json"  # in the project: the files the last build wrote, so a rebuild deletes those now gone


def machine_files(site: SiteInputs, page_urls: Iterable[str]) -> SiteFiles:
    """Every file beside the pages, with the generators' warnings. Without a base URL there is no sitemap (the
    protocol wants absolute URLs) and the feed links relative to the site root. ValueError for a base URL that
    is not absolute."""
    model, states, base_url = site.model, site.states, site.options.base_url
    files: dict[str, bytes] = {}
    warnings = []
    for produced in (
        api_files(model, states),
        terraform_files(model, base_url or "/", states),
        helm_files(model, states),
    ):
        files.update(produced.files)
        warnings += produced.warnings
    files[FEED_PATH] = atom_feed(model, base_url or "/", states, lambda name: entity_url("Artifact", name))
    if base_url:
        files[SITEMAP_PATH] = sitemap_xml(page_urls, base_url)
    return SiteFiles(files, tuple(warnings))


def write_machine_files(out: Path, project: Path, produced: SiteFiles) -> None:
    """Write the files whose bytes changed, delete MkDocs' sitemaps when there is none of ours and the files an
    earlier build wrote that are gone now (a dirty MkDocs build leaves them)."""
    manifest = project / MANIFEST
    try:
        before = set(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        before = set()
    for path in sorted((before | set(MKDOCS_SITEMAPS)) - set(produced.files)):
        (out / path).unlink(missing_ok=True)
    for path, data in produced.files.items():
        target = out / path
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    manifest.write_text(json.dumps(sorted(produced.files)), encoding="utf-8")
