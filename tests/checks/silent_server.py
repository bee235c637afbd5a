"""A TCP server on 127.0.0.1 that accepts connections and never answers: AWS as seen through a
network that drops the answers. It stops by itself after ``lifetime`` seconds at the latest."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SilentServer:
    port: int
    connections: list[socket.socket] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def silent_server(lifetime: float = 15.0) -> Iterator[SilentServer]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    server = SilentServer(port=listener.getsockname()[1])
    stop = threading.Event()
    deadline = time.monotonic() + lifetime

    def serve() -> None:
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                server.connections.append(connection)  # held open, never read, never answered
        finally:
            for connection in server.connections:
                connection.close()
            listener.close()

    thread = threading.Thread(target=serve, name="silent server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(1)
