"""`portal check --live` plans against the emulated clusters of the apply tests."""

from tests.apply.conftest import kube_emulator, kube_emulators, platform

__all__ = ["kube_emulator", "kube_emulators", "platform"]
