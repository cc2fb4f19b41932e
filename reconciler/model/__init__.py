"""Plain data shared by every step: documents, findings, and the typed model of a repo commit."""

from reconciler.model.diagnostics import Diagnostic, Location, Severity, error, has_errors, warning
from reconciler.model.document import Document, JsonPath

__all__ = [
    "Diagnostic",
    "Document",
    "JsonPath",
    "Location",
    "Severity",
    "error",
    "has_errors",
    "warning",
]
