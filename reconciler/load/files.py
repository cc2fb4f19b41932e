"""One repo file → its documents, or the located reason it cannot hold any."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler import API_VERSION
from reconciler.load.sources import MAX_FILE_BYTES, SourceFile
from reconciler.model import Diagnostic, Document, Location, error, rules
from reconciler.model.document import dotted
from reconciler.model.suggestions import did_you_mean

KINDS = ("Team", "Cluster", "WorkspaceTemplate", "Workspace", "Artifact", "Policy", "Pipeline")


@dataclass(frozen=True, slots=True)
class FileResult:
    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]


def _decode(content: bytes, path: str) -> tuple[str | None, Diagnostic | None]:
    if b"\0" in content[:8192]:
        return None, error("binary file: documents must be UTF-8 YAML text", Location(path), rule=rules.ENCODING)
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = content[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, error(
            f"not UTF-8 text: byte 0x{content[exc.start]:02x} cannot be decoded",
            Location(path, line, column),
            rule=rules.ENCODING,
        )


def _recognise(doc: Document) -> Diagnostic | None:
    """The checks that decide whether a mapping is one of our documents at all."""
    body = doc.body
    api_version = body.get("apiVersion")
    if api_version != API_VERSION:
        what = "missing apiVersion" if api_version is None else f"unknown apiVersion {api_version!r}"
        return error(f"{what} (expected {API_VERSION!r})", doc.location("apiVersion"), rule=rules.API_VERSION)
    kind = body.get("kind")
    if kind not in KINDS:
        what = "missing kind" if kind is None else f"unknown kind {kind!r}"
        hint = did_you_mean(kind, KINDS) if isinstance(kind, str) else ""
        return error(f"{what} (expected one of {', '.join(KINDS)}){hint}", doc.location("kind"), rule=rules.KIND)
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        return error(
            "metadata.name is required", doc.location("metadata", "name"), f"{kind}/?", rule=rules.METADATA_NAME
        )
    return None


def read_file(file: SourceFile) -> FileResult:
    path = file.path
    if file.is_symlink:
        return FileResult(
            (),
            (error("symbolic links are not followed; commit the file itself", Location(path), rule=rules.FILE_TYPE),),
        )
    if file.special:
        message = f"{file.special}, not a regular file: it is not read (documents must be plain files)"
        return FileResult((), (error(message, Location(path), rule=rules.FILE_TYPE),))
    if file.size > MAX_FILE_BYTES:
        return FileResult(
            (),
            (
                error(
                    f"file too large: {file.size} bytes (the limit is {MAX_FILE_BYTES})",
                    Location(path),
                    rule=rules.FILE_SIZE,
                ),
            ),
        )
    text, problem = _decode(file.read(), path)
    if text is None:
        return FileResult((), (problem,) if problem else ())
    from reconciler.load.yaml_documents import parse_documents  # a run whose files are all remembered parses none

    parsed, problems = parse_documents(text, path)
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = list(problems)
    for p in parsed:
        if not isinstance(p.value, dict):
            found = "a list" if isinstance(p.value, list) else f"a {type(p.value).__name__}"
            diagnostics.append(
                error(
                    f"a document must be a mapping with apiVersion, kind, metadata and spec; found {found}",
                    Location(path, *p.positions[()]),
                    rule=rules.DOCUMENT_SHAPE,
                )
            )
            continue
        doc = Document(path, p.index, p.value, p.positions, file.blob_id)
        problem = _recognise(doc)
        if problem is None:
            documents.append(doc)
            diagnostics.extend(
                error(f"{dotted(where)}: {why}", doc.location(*where), doc.subject, rule=rules.STORABLE_VALUES)
                for where, why in p.unstorable
            )
        else:
            diagnostics.append(problem)
    return FileResult(tuple(documents), tuple(diagnostics))
