"""What a component holds that no other component of the same Vector may hold: a listening port, a file
descriptor. Vector refuses a config in which two components claim one (`Resource::conflicts`); the facts below
are the components that declare resources in Vector's sources, and which of their options say what.

A port is `port <protocol> <ip>:<port>`, claimed only when the address is an IP address and a port, as Vector parses
it: `systemd` sockets, `${VAR}`s (known only on the cluster) and unix sockets claim nothing here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.herald.components import Component
from reconciler.model import Diagnostic, Document, error

# (kind, type) → the option paths of the addresses it listens on, and where its protocol is written:
# None for TCP always, else the option naming the mode (`tcp` or `udp`; other modes listen on no port).
_LISTENERS: dict[tuple[str, str], tuple[tuple[tuple[str, ...], ...], str | None]] = {
    ("source", "aws_kinesis_firehose"): ((("address",),), None),
    ("source", "datadog_agent"): ((("address",),), None),
    ("source", "fluent"): ((("address",),), "mode"),
    ("source", "heroku_logs"): ((("address",),), None),
    ("source", "http"): ((("address",),), None),
    ("source", "http_server"): ((("address",),), None),
    ("source", "logstash"): ((("address",),), None),
    ("source", "opentelemetry"): ((("grpc", "address"), ("http", "address")), None),
    ("source", "socket"): ((("address",),), "mode"),
    ("source", "splunk_hec"): ((("address",),), None),
    ("source", "statsd"): ((("address",),), "mode"),
    ("source", "syslog"): ((("address",),), "mode"),
    ("source", "vector"): ((("address",),), None),
    ("sink", "prometheus_exporter"): ((("address",),), None),
}
# Modes whose default (when the option is absent) listens on TCP.
_TCP_BY_DEFAULT = frozenset({("source", "fluent")})


def _port(address: Any, protocol: str) -> str | None:
    if not isinstance(address, str) or "${" in address or "$" in address:
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit():
        return None
    try:
        ip = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    shown = f"[{ip}]" if ip.version == 6 else str(ip)
    return f"port {protocol} {shown}:{int(port)}"


def _value(body: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = body
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def claimed(kind: str, type_name: str, body: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each resource a component claims, with the option path that claims it."""
    if (kind, type_name) == ("source", "stdin"):
        yield "file descriptor 0", ("type",)
    elif (kind, type_name) == ("source", "file_descriptor") and isinstance(body.get("fd"), int):
        yield f"file descriptor {body['fd']}", ("fd",)
    listener = _LISTENERS.get((kind, type_name))
    if listener is None:
        return
    paths, mode_option = listener
    protocol = "tcp"
    if mode_option is not None:
        mode = body.get(mode_option)
        if mode is None and (kind, type_name) in _TCP_BY_DEFAULT:
            mode = "tcp"
        if mode not in ("tcp", "udp"):
            return
        protocol = mode
    for path in paths:
        port = _port(_value(body, path), protocol)
        if port is not None:
            yield port, path


def component_claims(component: Component) -> Iterator[tuple[str, tuple[str, ...]]]:
    yield from claimed(component.kind, component.type_name, component.body)


def check_claims(components: list[Component], doc: Document) -> list[Diagnostic]:
    """Two components of one pipeline claiming one resource: Vector refuses the config."""
    owner: dict[str, Component] = {}
    findings = []
    for component in components:
        for resource, path in component_claims(component):
            first = owner.setdefault(resource, component)
            if first is not component:
                findings.append(
                    error(
                        f"{component.label}: {resource} is also claimed by {first.label}; Vector refuses two "
                        "components holding one port or file descriptor",
                        doc.location(*component.path, *path),
                        doc.subject,
                    )
                )
    return findings
