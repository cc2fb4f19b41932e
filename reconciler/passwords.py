"""The passwords inside URLs (git remotes, database URLs), found however malformed the URL is, so that no
message, log or row ever repeats one."""

from __future__ import annotations

import re
from urllib.parse import unquote

_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")
# libpq's key=value form and URI query parameters
_PASSWORD_PARAMETER = re.compile(r"(?:^|[\s?&])password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&#]+)", re.IGNORECASE)
HIDDEN = "***"


def url_passwords(url: str) -> tuple[str, ...]:
    """Every text that may be the password of `url`, as written and percent-decoded, longest first. A password
    may hold an unencoded '@', so the user info is read up to the first and up to the last '@' alike."""
    found: set[str] = set()
    scheme = _SCHEME.match(url)
    if scheme:
        rest = url[scheme.end() :]
        for userinfo in (rest.split("@", 1)[0], rest.rsplit("@", 1)[0]) if "@" in rest else ():
            if ":" in userinfo:
                found.add(userinfo.split(":", 1)[1])
    for match in _PASSWORD_PARAMETER.finditer(url):
        value = match.group(1)
        found.update((value, value.strip("'")))
    found |= {unquote(p) for p in found}
    found.discard("")
    return tuple(sorted(found, key=len, reverse=True))


def without_passwords(text: str, url: str) -> str:
    """`text` with every possible password of `url` replaced by ***."""
    for password in url_passwords(url):
        text = text.replace(password, HIDDEN)
    return text


def shown_url(url: str) -> str:
    """A URL as it may be shown to people: with its password hidden."""
    return without_passwords(url, url)
