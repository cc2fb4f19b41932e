"""Times written in documents (`at`, `publishedAt`), as comparable UTC datetimes, and the rules they obey.

Every time must be a real instant (the schema's `date-time` format, then a parse that must succeed: a leap
second or the 31st of November parses to nothing, and nothing must never pass for "no date"). A Git act cannot
be recorded before it happened: a time later than the commit that records it (the committer time; the current
time for a working tree), beyond `CLOCK_SKEW`, is an error, and such an approval never counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from reconciler.model import Diagnostic, Document, error
from reconciler.model.document import dotted
from reconciler.model.kinds import Artifact

# Entries without a readable time order before every dated one, so they never look most recent.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)  # between the author's clock and the committer's


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


def latest_time(now: datetime | None) -> datetime | None:
    """The latest time a document committed at `now` may record; None (the time is unknown): nothing is too
    late."""
    return now + CLOCK_SKEW if now is not None else None


def _time_fields(spec: Any) -> Iterator[tuple[tuple[str | int, ...], object]]:
    """(path, value) of every time an Artifact's spec writes."""
    versions = spec.get("versions") if isinstance(spec, Mapping) else None
    for i, version in enumerate(versions if isinstance(versions, list) else ()):
        if not isinstance(version, Mapping):
            continue
        if "publishedAt" in version:
            yield ("spec", "versions", i, "publishedAt"), version["publishedAt"]
        approvals = version.get("approvals")
        for j, approval in enumerate(approvals if isinstance(approvals, list) else ()):
            if isinstance(approval, Mapping) and "at" in approval:
                yield ("spec", "versions", i, "approvals", j, "at"), approval["at"]
        for record in ("rejected", "yanked"):
            if isinstance(version.get(record), Mapping) and "at" in version[record]:
                yield ("spec", "versions", i, record, "at"), version[record]["at"]


def check_document(doc: Document) -> list[Diagnostic]:
    """Every time an Artifact writes is a real instant (the schema's pattern lets `…:60Z` through)."""
    findings = []
    for path, value in _time_fields(doc.spec):
        if parse_time(value) is None:
            findings.append(
                error(
                    f"{dotted(path)}: {value!r} is not a real instant (no such date or time)",
                    doc.location(*path),
                    doc.subject,
                )
            )
    return findings


def recorded_times(artifact: Artifact) -> list[str]:
    """Every time `artifact` records."""
    times = []
    for version in artifact.versions:
        times.append(version.published_at)
        for approval in version.approvals:
            times.append(approval.at)
        if version.rejected is not None:
            times.append(version.rejected.at)
        if version.yanked is not None:
            times.append(version.yanked.at)
    return times


def future_times(artifacts: Iterable[Artifact], limit: datetime | None) -> dict[str, tuple[str, ...]]:
    """Per artifact that records any, the times it records later than `limit` (none without a limit), as
    written. Read on every validation (what is in the future decides whether remembered findings still hold), so
    one plain pass."""
    if limit is None:
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for artifact in artifacts:
        late = [text for text in recorded_times(artifact) if sortable_time(text) > limit]
        if late:
            found[artifact.name] = tuple(late)
    return found


def future_time_findings(artifact: Artifact, latest_time: datetime | None) -> tuple[Diagnostic, ...]:
    """Publications, yanks and rejections dated after the commit that records them (approvals are judged with
    the other approval rules)."""
    if latest_time is None:
        return ()
    doc = artifact.doc
    problems = []
    for version in artifact.versions:
        acts = [("publishedAt", (), version.published_at, "published")]
        acts += [
            (record, ("at",), v.at, record)
            for record, v in (("rejected", version.rejected), ("yanked", version.yanked))
            if v
        ]
        for key, rest, text, verb in acts:
            if sortable_time(text) > latest_time:
                problems.append(
                    error(
                        f"version {version.version} is {verb} at {text}, later than the commit that records it; "
                        "a time cannot be in the future",
                        doc.location("spec", "versions", version.index, key, *rest),
                        doc.subject,
                    )
                )
    return tuple(problems)
