"""Who is asking: a trusted reverse proxy's identity header, or a signed token offered as a subprotocol.

The header is believed only from a peer inside `--trusted-proxy` (and, when a shared secret is configured, only
with it): from any other peer it is ignored, as if absent. The token travels as the WebSocket subprotocol
`bearer.<token>`, never in a URL, and is never echoed back or logged.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sitegen.terminal.tokens import TokenClaims, TokenError, verify

PROTOCOL = "portal.terminal.v1"
BEARER_PREFIX = "bearer."

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class ProxyTrust:
    networks: tuple[Network, ...] = ()
    identity_header: str = "X-Forwarded-Email"
    secret_header: str = "X-Portal-Proxy-Secret"
    secret: str | None = None  # the shared secret the proxy sends in `secret_header`, when required


@dataclass(frozen=True, slots=True)
class Identity:
    user: str
    via: str  # "proxy" or "token"
    claims: TokenClaims | None = None  # the token's, to be spent once


class Unauthenticated(Exception):
    """No identity that may be believed; the message says why, never quoting a token or secret."""


def parse_networks(texts: Sequence[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses); ValueError names the bad one."""
    networks = []
    for text in texts:
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"--trusted-proxy {text!r}: not an IP address or CIDR") from None
    return tuple(networks)


def only_loopback(networks: Sequence[Network]) -> bool:
    return all(n.is_loopback for n in networks)


@functools.lru_cache(maxsize=4096)  # asked on every request; parsing the address was a fifth of a refusal's work
def _trusted_peer(peer: str | None, networks: tuple[Network, ...]) -> bool:
    if not peer or not networks:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in n for n in networks)


def bearer_token(protocols: Sequence[str]) -> str | None:
    return next((p[len(BEARER_PREFIX) :] for p in protocols if p.startswith(BEARER_PREFIX)), None)


def offered_protocols(header: str | None) -> list[str]:
    return [p.strip() for p in (header or "").split(",") if p.strip()]


def authenticate(
    peer: str | None,
    headers: Mapping[str, str],
    protocols: Sequence[str],
    trust: ProxyTrust,
    key: bytes | None,
    workspace: str,
) -> Identity:
    """The requester's identity, from the proxy's header (trusted peers only) or else a token for `workspace`."""
    trusted = _trusted_peer(peer, trust.networks)
    user = (headers.get(trust.identity_header) or "").strip()
    secret_ok = trust.secret is None or hmac.compare_digest(
        (headers.get(trust.secret_header) or "").encode(), trust.secret.encode()
    )
    if trusted and user and secret_ok:
        return Identity(user, "proxy")
    token = bearer_token(protocols)
    if token is None:
        if user and not trusted:
            raise Unauthenticated("no identity (an identity header from an untrusted peer is ignored)")
        if user:
            raise Unauthenticated("no identity (the proxy's shared secret is missing or wrong)")
        raise Unauthenticated("no identity")
    if key is None:
        raise Unauthenticated("tokens are not accepted (no signing key configured)")
    try:
        claims = verify(key, token)
    except TokenError as exc:
        raise Unauthenticated(str(exc)) from None
    if claims.workspace != workspace:
        raise Unauthenticated("token for another workspace")
    return Identity(claims.user, "token", claims)
