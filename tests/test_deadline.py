"""wiki/deadline.py over TLS, against real servers on loopback: a handshake never answered and
an answer dripped after the handshake are both cut at the total deadline, and a prompt server
is read whole, its certificate verified."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers import DripServer
from wiki.deadline import DeadlinePassed, open_connection, tls_context, total_deadline

DEADLINE = 0.6


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost: (certificate file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    made = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(certificate) -> Iterator[Callable[[int], int]]:
    """Start a TLS server answering one connection: an HTTP head, then `drips` bytes, one
    every 0.2 s, then closing it; returns its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(drips: int) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def answer() -> None:
            connection, _ = listener.accept()
            try:
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(65536)
                    head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
                    tls.sendall(head + b"x" * max(0, 3 - drips))
                    for _ in range(drips):
                        if stop.wait(0.2):
                            return
                        tls.sendall(b"x")
            except OSError:
                return  # the client gave up, or refused the certificate

        threading.Thread(target=answer, daemon=True).start()
        return listener.getsockname()[1]

    yield start
    stop.set()
    for listener in listeners:
        listener.close()


def fetch(port: int, certificate) -> bytes:
    """GET / over TLS within the deadline; the whole answer, to the server's close."""
    context = tls_context()
    context.load_verify_locations(certificate[0])
    with total_deadline(DEADLINE):
        raw = open_connection("127.0.0.1", port)
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            answer = b""
            while chunk := tls.recv(100):  # to the end: the server closes when done
                answer += chunk
            return answer


def test_a_handshake_never_answered_is_cut_at_the_deadline(certificate):
    silent = DripServer()
    try:
        started = time.monotonic()
        with pytest.raises(DeadlinePassed, match=f"within {DEADLINE:g} s"):
            fetch(silent.port, certificate)
        assert DEADLINE <= time.monotonic() - started < DEADLINE + 0.5
    finally:
        silent.stop()


def test_an_answer_dripped_after_the_handshake_is_cut_at_the_deadline(tls_server, certificate):
    port = tls_server(drips=10)  # two seconds of drips: far from complete at the deadline
    started = time.monotonic()
    with pytest.raises(DeadlinePassed):
        fetch(port, certificate)
    assert time.monotonic() - started < DEADLINE + 0.5


def test_a_prompt_server_is_read_whole_and_its_certificate_checked(tls_server, certificate):
    assert fetch(tls_server(drips=0), certificate).endswith(b"\r\n\r\nxxx")
    port = tls_server(drips=0)
    # No trust given: refused.
    with pytest.raises(ssl.SSLCertVerificationError), total_deadline(DEADLINE):
        tls_context().wrap_socket(open_connection("127.0.0.1", port), server_hostname="localhost")
