"""Prometheus metrics of the sidecar, on a registry of its own (two apps in one process do not collide)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.sessions_open = Gauge(
            "portal_terminal_sessions_open", "Terminal sessions open now", registry=self.registry
        )
        self.sessions = Counter("portal_terminal_sessions", "Terminal sessions started", registry=self.registry)
        self.refused = Counter(
            "portal_terminal_refused", "Requests refused, by reason", ["reason"], registry=self.registry
        )
        self.refusals_paced = Counter(
            "portal_terminal_refusals_paced",
            "Refusals that waited their turn: their requester had been refused more than its burst",
            registry=self.registry,
        )
        self.bytes = Counter(
            "portal_terminal_bytes",
            "Bytes relayed: in (from browsers) and out (terminal output)",
            ["direction"],
            registry=self.registry,
        )
        # Counted on every frame and every read of output: the children are looked up once.
        self.bytes_in = self.bytes.labels(direction="in")
        self.bytes_out = self.bytes.labels(direction="out")

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
