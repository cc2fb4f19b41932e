"""Lease timing short enough for tests that run real threads and wait for takeovers."""

from __future__ import annotations

from reconciler.daemon.lease import LeaseTiming

FAST = LeaseTiming(lease_duration=3.0, renew_deadline=2.0, retry_period=0.4)
