"""What the tests' own servers (slapd, the OpenID provider) share: a free loopback port to start
on, and a stop that waits for the process; and a loopback server that answers slowly (a webhook
receiver or a mail server that drips its answer, or never answers), and a webhook receiver
that keeps what it is sent."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process: subprocess.Popen) -> None:
    """Terminate, then kill if it has not stopped within 10 s; its pipes are closed."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


class DripServer:
    """A TCP server on loopback that answers slowly: for each connection it reads the HTTP
    request (with `read_request`), sends `opening`, then one byte of `drip` every `interval`
    seconds, `drips` times at most (a server that never finishes, kept bounded so that a test
    of an old build fails instead of hanging); with no opening and no drips it never answers."""

    def __init__(
        self,
        opening: bytes = b"",
        drips: int = 0,
        read_request: bool = False,
        drip: bytes = b"x",
        interval: float = 1.0,
    ) -> None:
        self.opening, self.drips, self.drip = opening, drips, drip
        self.read_request, self.interval = read_request, interval
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            answer = threading.Thread(target=self._answer, args=(connection,), daemon=True)
            self._threads.append(answer)
            answer.start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                if self.read_request:
                    _read_http_request(connection)
                connection.sendall(self.opening)
                for _ in range(self.drips):
                    if self._stop.wait(self.interval):
                        return
                    connection.sendall(self.drip)
                self._stop.wait()  # then hold the connection open without a word
            except OSError:
                return  # the client gave up and closed

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)


def _read_http_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length:")),
        0,
    )  # fmt: skip
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


# The signing secret the tests give their webhook endpoints.
RECEIVER_SECRET = "a-receiver-secret-of-some-length"


class Receiver:
    """An HTTP server that keeps every request and answers with the next status queued."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0  # seconds each answer takes
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.requests]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
