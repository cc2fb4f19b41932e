"""Times written in documents (`at`, `publishedAt`), as comparable UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

# Entries without a readable time order before every dated one, so they never look most recent.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


@lru_cache(maxsize=65_536)  # timestamps recur: every approval is read for both commits of a change
def parse_time(text: object) -> datetime | None:
    """ISO 8601 text (or a datetime the YAML loader made) as an aware datetime; naive times are UTC."""
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            moment = datetime.fromisoformat(str(text).strip())
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def sortable_time(text: object) -> datetime:
    return parse_time(text) or EARLIEST
