"""Serving the registry (服务), with one or several worker processes.

Worker processes that share one listening socket compete for new connections: whichever wakes
first accepts every connection waiting, so a few long-lived keep-alive connections (a reverse
proxy's, an employer's batch checker's) can all land on one worker while the others idle.
Here each worker binds the port itself with ``SO_REUSEPORT`` (Linux 3.9 and later), and the
kernel spreads new connections over the workers' sockets by a hash of their addresses.

Every process that binds a port with ``SO_REUSEPORT`` shares it, so before the workers start
the port is bound once without it: a second registry started on the same port is refused
instead of silently taking half of the first one's connections.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from collections.abc import Sequence
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Lock
from types import FrameType

import uvicorn

APP = "craftreg.http.app:create_app"


def serve(host: str, port: int, workers: int, log_level: str = "info") -> int:
    """Serve until interrupted; the exit code (non-zero when a worker failed)."""
    if workers == 1:
        uvicorn.run(APP, factory=True, host=host, port=port, log_level=log_level)
        return 0
    _check_free(host, port)
    spawn = multiprocessing.get_context("spawn")
    startup = spawn.Lock()
    processes = [
        spawn.Process(
            target=_worker, args=(host, port, log_level, startup), name=f"craftreg-worker-{n}"
        )
        for n in range(workers)
    ]
    asked = False  # a signal asked the service to stop

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal asked
        asked = True
        _terminate(processes)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.start()
    ended = wait([process.sentinel for process in processes])
    # A worker that ends unasked (failed, or killed) ends the service: the others are stopped
    # with it, so that a supervisor sees the exit and restarts the whole registry.
    failed = not asked
    _terminate(processes)
    for process in processes:
        process.join()
    if not failed:
        return 0
    code = next(p.exitcode for p in processes if p.sentinel in ended)
    return code if code is not None and code > 0 else 1


def _terminate(processes: Sequence[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()


def _listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _check_free(host: str, port: int) -> None:
    try:
        _listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _worker(host: str, port: int, log_level: str, startup: Lock) -> None:
    sock = _listening_socket(host, port, reuse_port=True)
    config = uvicorn.Config(APP, factory=True, log_level=log_level)
    # Making the app creates any missing tables, with statements that are not atomic
    # between sessions (CREATE TABLE IF NOT EXISTS): the workers make theirs one at a time.
    with startup:
        config.load()
    uvicorn.Server(config).run(sockets=[sock])


class PortInUse(OSError):
    """The port is taken by another process."""
