"""Kubernetes quantities and Go durations parse as the API server and Go do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reconciler.model.units import parse_duration, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", Decimal(2)),
        ("500m", Decimal("0.5")),
        ("1.5", Decimal("1.5")),
        ("4Gi", Decimal(4 * 2**30)),
        ("512Mi", Decimal(512 * 2**20)),
        ("1k", Decimal(1000)),
        ("1e3", Decimal(1000)),
        ("10Ti", Decimal(10 * 2**40)),
    ],
)
def test_quantities(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "4GB", "Gi", "4 Gi", "1.2.3", "-"])
def test_bad_quantities(text: str) -> None:
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("4h", 14400.0),
        ("90m", 5400.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("250ms", 0.25),
        ("720h", 2592000.0),
        ("-5s", -5.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "4", "4hours", "h", "1h 30m", "4d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1K", "-Infinity"])
def test_quantities_the_api_server_refuses(text: str) -> None:
    """Python's Decimal takes these (and so does kubernetes.utils.parse_quantity); Kubernetes does not."""
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "seconds"), [("+0", 0.0), ("-0", 0.0), (".5s", 0.5), ("1µs", 1e-6), ("2h45m30.5s", 9930.5)]
)
def test_durations_in_go_grammar(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)
