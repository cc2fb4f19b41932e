"""Which Kubernetes object: the identity compiled objects, inventories and plans share across layers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from reconciler.model.document import Document


@dataclass(frozen=True, slots=True, order=True)
class ObjectKey:
    """Which object: apiVersion and kind, namespace ("" when cluster-scoped) and name."""

    api_version: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}"

    def encode(self) -> str:
        return " ".join((self.api_version, self.kind, self.namespace or "-", self.name))

    @classmethod
    def decode(cls, text: str) -> ObjectKey:
        api_version, kind, namespace, name = text.split(" ")
        return cls(api_version, kind, "" if namespace == "-" else namespace, name)


class CompiledIdentity(NamedTuple):
    """An object a document compiles to, known by identity alone (cheaper than compiling it); a tuple, as
    validation makes one per compiled object."""

    cluster: str
    key: ObjectKey
    doc: Document
