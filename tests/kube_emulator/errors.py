"""API errors rendered as `kind: Status` bodies, with the reasons and messages of the real server."""

from __future__ import annotations

from typing import Any

REASONS_BY_CODE: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class ApiError(Exception):
    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or REASONS_BY_CODE.get(code, "Unknown")
        self.details = details

    def status(self) -> dict[str, Any]:
        return status_body(self.code, self.message, self.reason, self.details)


def status_body(code: int, message: str, reason: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return body


def _details(name: str, group: str, plural: str, **extra: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    details.update(extra)
    return details


def not_found(group_resource: str, name: str, group: str, plural: str) -> ApiError:
    return ApiError(404, f'{group_resource} "{name}" not found', "NotFound", _details(name, group, plural))


def already_exists(group_resource: str, name: str, group: str, plural: str) -> ApiError:
    return ApiError(409, f'{group_resource} "{name}" already exists', "AlreadyExists", _details(name, group, plural))


def conflict(group_resource: str, name: str, group: str, plural: str, why: str) -> ApiError:
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {group_resource} "{name}": {why}',
        "Conflict",
        _details(name, group, plural),
    )


def stale_resource_version(group_resource: str, name: str, group: str, plural: str) -> ApiError:
    return conflict(
        group_resource,
        name,
        group,
        plural,
        "the object has been modified; please apply your changes to the latest version and try again",
    )


def invalid(kind: str, name: str, group: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """422 Invalid; causes are (field, reason type, message) like `metadata.name`, `FieldValueRequired`."""
    texts = [f"{field}: {message}" for field, _, message in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    details: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "causes": [{"reason": reason, "message": message, "field": field} for field, reason, message in causes],
    }
    if group:
        details["group"] = group
    return ApiError(422, f'{kind} "{name}" is invalid: {joined}', "Invalid", details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "BadRequest")


def page_not_found() -> ApiError:
    return ApiError(404, "the server could not find the requested resource", "NotFound", {})


def method_not_allowed() -> ApiError:
    return ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed", {})


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        f"the body of the request was in an unknown format - accepted media types include: "
        f"application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
        f"application/strategic-merge-patch+json (got {content_type!r})",
        "UnsupportedMediaType",
    )
