"""`python -m tests.kube_emulator --port N`: serve one emulated cluster until interrupted.

The first line on stdout is the URL; requests are logged to a file (--log, default a temporary file).
The admin API under /_emulator/ (faults, request counters) is served on the same port.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading

from .threaded import EmulatorThread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.kube_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--log", help="request log file (default: a new temporary file)")
    parser.add_argument("--no-butler", action="store_true", help="do not serve Butler's kinds from the start")
    arguments = parser.parse_args(argv)

    if arguments.log:
        log_path = arguments.log
    else:
        descriptor, log_path = tempfile.mkstemp(prefix="kube-emulator-", suffix=".log")
        os.close(descriptor)
    handler = logging.FileHandler(log_path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)

    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    emulator = EmulatorThread(
        "standalone", arguments.host, arguments.port, butler_kinds=not arguments.no_butler, admin_api=True
    )
    emulator.start()
    print(emulator.url, flush=True)
    print(f"request log: {log_path}", file=sys.stderr, flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
