"""A real LDAP directory for the tests: Debian's slapd, started in a temporary folder on a free
loopback port with StartTLS (a certificate made for the run by openssl), loaded from
tests/data/ldap/directory.ldif. `make test` installs slapd and ldap-utils when they are missing."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, Connection, Server, Tls

from tests.servers import free_loopback_port, stop_process

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
DATA = Path(__file__).resolve().parent / "data" / "ldap" / "directory.ldif"
SUFFIX = "dc=example,dc=com"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-root-secret"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
TLSCertificateFile {folder}/cert.pem
TLSCertificateKeyFile {folder}/key.pem
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {folder}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""


@dataclass
class Directory:
    url: str
    ca_file: str
    folder: Path
    process: subprocess.Popen

    @contextmanager
    def admin(self) -> Iterator[Connection]:
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.ca_file)
        host, port = self.url.removeprefix("ldap://").split(":")
        connection = Connection(Server(host, int(port), tls=tls), ROOT_DN, ROOT_PASSWORD)
        try:
            connection.open()
            connection.start_tls()
            connection.bind()
            yield connection
        finally:
            connection.unbind()

    def remove_from_group(self, group: str, uid: str) -> None:
        self._change_member(group, uid, MODIFY_DELETE)

    def add_to_group(self, group: str, uid: str) -> None:
        self._change_member(group, uid, MODIFY_ADD)

    def set_email(self, uid: str, email: str) -> None:
        self._modify(f"uid={uid},ou=people,{SUFFIX}", {"mail": [(MODIFY_REPLACE, [email])]})

    def set_name(self, uid: str, name: str) -> None:
        self._modify(f"uid={uid},ou=people,{SUFFIX}", {"cn": [(MODIFY_REPLACE, [name])]})

    def _change_member(self, group: str, uid: str, operation: str) -> None:
        members = [f"uid={uid},ou=people,{SUFFIX}"]
        self._modify(f"cn={group},ou=groups,{SUFFIX}", {"member": [(operation, members)]})

    def _modify(self, dn: str, changes: dict) -> None:
        with self.admin() as connection:
            assert connection.modify(dn, changes), connection.result

    def stop(self) -> None:
        stop_process(self.process)


def start_directory(folder: Path) -> Directory:
    if not Path(SLAPD).exists():
        raise RuntimeError("slapd is missing: `make test` installs it (apt-get install slapd)")
    (folder / "data").mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    config = folder / "slapd.conf"
    config.write_text(
        CONFIG.format(folder=folder, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD)
    )
    subprocess.run([SLAPADD, "-f", str(config), "-l", str(DATA)], check=True, capture_output=True)
    port = free_loopback_port()
    url = f"ldap://127.0.0.1:{port}"
    # -d 0 keeps slapd in the foreground, so that it is this process's child and stops with it.
    process = subprocess.Popen(
        [SLAPD, "-f", str(config), "-h", url + "/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return Directory(url, str(folder / "cert.pem"), folder, process)


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
