"""One total deadline for a network exchange: connect, TLS, sending and the whole answer.

A socket timeout bounds each read alone, so a peer that drips one byte a second never trips
it. Inside `total_deadline(seconds)`, the sockets made here set their timeout to the time left
before every connect, read, write and TLS step, and raise `DeadlinePassed` once none is left.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

Result = TypeVar("Result")

# (the monotonic time it ends, the seconds it was given), while a deadline runs.
_current: ContextVar[tuple[float, float] | None] = ContextVar("wiki_deadline", default=None)


class DeadlinePassed(TimeoutError):
    """The exchange did not finish in the time it had (an OSError, as socket timeouts are)."""


@contextmanager
def total_deadline(seconds: float) -> Iterator[None]:
    token = _current.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _current.reset(token)


def _time_left() -> float | None:
    current = _current.get()
    if current is None:
        return None
    ends, seconds = current
    left = ends - time.monotonic()
    if left <= 0:
        raise DeadlinePassed(f"no complete answer within {seconds:g} s")
    return left


def _within(sock: socket.socket, step: Callable[..., Result], *args) -> Result:
    left = _time_left()
    if left is not None:
        sock.settimeout(left)
    try:
        return step(*args)
    except TimeoutError:
        _time_left()  # says so as DeadlinePassed when the whole time is up
        raise


class DeadlineSocket(socket.socket):
    """A TCP socket whose every step fits in what is left of the running deadline."""

    def connect(self, address) -> None:
        _within(self, super().connect, address)

    def recv(self, *args):
        return _within(self, super().recv, *args)

    def recv_into(self, *args):
        return _within(self, super().recv_into, *args)

    def send(self, *args):
        return _within(self, super().send, *args)

    def sendall(self, *args):
        return _within(self, super().sendall, *args)


class DeadlineSSLSocket(ssl.SSLSocket):
    """TLS over a DeadlineSocket: the handshake, reads and writes fit in the deadline too
    (recv, recv_into and sendall go through read and send)."""

    def do_handshake(self, *args) -> None:
        _within(self, super().do_handshake, *args)

    def read(self, *args):
        return _within(self, super().read, *args)

    def write(self, *args):
        return _within(self, super().write, *args)

    def send(self, *args):
        return _within(self, super().send, *args)


def open_connection(host: str, port: int) -> DeadlineSocket:
    """Connect to the first address of the host that answers, as socket.create_connection
    does, within the running deadline."""
    failure: OSError | None = None
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        sock = DeadlineSocket(family, kind, proto)
        try:
            sock.connect(address)
            return sock
        except OSError as error:
            sock.close()
            failure = error
            if isinstance(error, DeadlinePassed):
                break
    raise failure or OSError(f"{host} has no address")


def tls_context() -> ssl.SSLContext:
    """The default, verifying context, making sockets that keep the deadline."""
    context = ssl.create_default_context()
    context.sslsocket_class = DeadlineSSLSocket
    return context


class DeadlineSMTP(smtplib.SMTP):
    """smtplib.SMTP whose connection keeps the running deadline (starttls with tls_context())."""

    def _get_socket(self, host, port, timeout):
        return open_connection(host, port)


class DeadlineSMTPSSL(smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL likewise; give it context=tls_context()."""

    def _get_socket(self, host, port, timeout):
        return self.context.wrap_socket(open_connection(host, port), server_hostname=self._host)
