"""sitemap.xml as sitemaps.org 0.9 describes it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sitegen.sitemap import SITEMAP_NAMESPACE, sitemap_xml


def locations(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{SITEMAP_NAMESPACE}}}urlset"
    return [url.findtext(f"{{{SITEMAP_NAMESPACE}}}loc") or "" for url in root]


def test_every_page_once_as_an_absolute_url_in_path_order() -> None:
    xml = sitemap_xml(["team/payments/", "/index.html", "artifact/vpc/", "team/payments/"], "https://acme.dev/portal")
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert locations(xml) == [
        "https://acme.dev/portal/artifact/vpc/",
        "https://acme.dev/portal/index.html",
        "https://acme.dev/portal/team/payments/",
    ]


def test_paths_are_percent_encoded_and_escaped_so_the_file_stays_valid() -> None:
    xml = sitemap_xml(["a&b/<x> y/", 'q"/'], "https://acme.dev/")
    assert locations(xml) == ["https://acme.dev/a%26b/%3Cx%3E%20y/", "https://acme.dev/q%22/"]


@pytest.mark.parametrize("base_url", ["/", "acme.dev", "javascript:alert(1)"])
def test_a_sitemap_needs_an_absolute_http_base_url(base_url: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        sitemap_xml(["index.html"], base_url)
