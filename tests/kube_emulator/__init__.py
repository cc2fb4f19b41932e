"""A Kubernetes API emulator for the tests: one emulator is one cluster, served over real HTTP."""

from .api import Api, Target, WriteOptions
from .errors import ApiError
from .faults import Fault, Faults, RecordedRequest, RequestLog
from .kubeconfig import kubeconfig_document, write_kubeconfig
from .server import KubeEmulator
from .threaded import EmulatorThread

__all__ = [
    "Api",
    "ApiError",
    "EmulatorThread",
    "Fault",
    "Faults",
    "KubeEmulator",
    "RecordedRequest",
    "RequestLog",
    "Target",
    "WriteOptions",
    "kubeconfig_document",
    "write_kubeconfig",
]
