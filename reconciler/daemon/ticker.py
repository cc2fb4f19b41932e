"""A daemon thread that runs one step now and then every period (with jitter), until stopped."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

JITTER = 1.2  # client-go's wait.JitterUntil factor for candidates: spreads replicas that started together


class Ticker:
    def __init__(self, name: str, step: Callable[[], None], period: float) -> None:
        self._name, self._step, self._period = name, step, period
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already started")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the step in flight (which waits at most for its request timeouts)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # a step must never end the election: it is retried next period
                logger.exception("%s: step failed", self._name)
            self._stopping.wait(self._period * random.uniform(1.0, JITTER))
