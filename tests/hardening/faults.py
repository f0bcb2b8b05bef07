"""Props of the fault-injection stories: real Celery worker processes, and a network relay
in front of the S3 server that kills the server (SIGKILL, as a crash or a power cut would) at
a chosen moment of a chosen request.

The platform talks to the relay as to its S3 server; the relay passes bytes through untouched
and watches the requests go by. Nothing in the platform is replaced: the fault is a real
process dying under a real connection.
"""

import contextlib
import os
import signal
import socket
import threading
from dataclasses import dataclass, field

from storage.embedded import EmbeddedS3Server, free_port


def kill_s3_server(server: EmbeddedS3Server) -> None:
    """SIGKILL, not the clean stop: the server gets no chance to finish anything."""
    if server.process is not None and server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()
    server.process = None
    if server.log_file is not None:
        server.log_file.close()
        server.log_file = None


@dataclass
class Cut:
    """Kill the server when a request whose first line holds every one of `markers` has sent
    `after_bytes` more bytes (its body in flight), or — `answered` — once the server has
    answered it, before the answer reaches the platform (the work done, the reply lost)."""

    markers: tuple[bytes, ...]
    after_bytes: int = 0
    answered: bool = False
    fired: threading.Event = field(default_factory=threading.Event)


class CuttingRelay:
    """A TCP relay on a free loopback port to the S3 server's port."""

    def __init__(self, server: EmbeddedS3Server) -> None:
        self.server = server
        self.port = free_port()
        self.cut: Cut | None = None
        self.requests: list[bytes] = []  # the first line of every request relayed
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def arm(self, cut: Cut) -> Cut:
        with self._lock:
            self.cut = cut
        return cut

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _fire(self, cut: Cut) -> None:
        with self._lock:
            if self.cut is not cut or cut.fired.is_set():
                return
            self.cut = None
        kill_s3_server(self.server)
        cut.fired.set()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.server.s3_port), timeout=5)
        except OSError:
            client.close()  # the server is down: the platform sees the connection dropped
            return
        upstream.settimeout(None)
        # The request this connection is sending, if it is the one the cut waits for.
        watched: dict[str, Cut | None] = {"cut": None}

        def answers() -> None:
            try:
                while data := upstream.recv(1 << 16):
                    cut = watched["cut"]
                    if cut is not None and cut.answered:
                        self._fire(cut)
                        break  # the answer is lost with the server
                    client.sendall(data)
            except OSError:
                pass
            finally:
                _close(client, upstream)

        threading.Thread(target=answers, daemon=True).start()
        sent_since_marked = 0
        try:
            while data := client.recv(1 << 16):
                first_line = _request_line(data)
                if first_line:
                    self.requests.append(first_line)
                    cut = self.cut
                    if cut is not None and all(marker in first_line for marker in cut.markers):
                        watched["cut"] = cut
                        sent_since_marked = -len(data)
                    else:
                        watched["cut"] = None
                cut = watched["cut"]
                if cut is not None and not cut.answered:
                    sent_since_marked += len(data)
                    if sent_since_marked >= cut.after_bytes:
                        self._fire(cut)
                        break
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, upstream)


def _close(*ends: socket.socket) -> None:
    """Shut down, then close: a bare close from one thread while another is blocked reading
    the same socket sends nothing, and the platform would keep a pooled connection that the
    dead server can no longer answer (a real server's death closes them all)."""
    for end in ends:
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()


METHODS = (b"GET ", b"PUT ", b"POST ", b"HEAD ", b"DELETE ")


def _request_line(data: bytes) -> bytes:
    """The request line if `data` starts a request (a body chunk never starts with a method
    and a path: the relayed parts are ciphertext)."""
    if data.startswith(METHODS) and b" HTTP/1.1\r\n" in data[:4096]:
        return data.split(b"\r\n", 1)[0]
    return b""
