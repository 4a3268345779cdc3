"""Company sign-in through an LDAP directory: the one module that talks to it (ldap3). It finds
a person by what they typed, checks their password by binding as them, and reads the groups that
give them wiki roles. Nothing of the password is kept."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ldap3 import SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPInvalidCredentialsResult
from ldap3.utils.conv import escape_filter_chars

from wiki.auth.company import roles_from_groups
from wiki.errors import CompanySignInUnavailable
from wiki.textutil import clean_line


@dataclass(frozen=True)
class DirectoryPerson:
    dn: str
    email: str
    name: str
    # The wiki roles the person's groups map to; empty when a map is set and none matches.
    roles: tuple[str, ...]
    # False without a role map (as for ProviderPerson): the wiki's admins give the roles.
    roles_managed: bool = True


class Directory:
    """The directory an app is configured for (`WIKI_LDAP_*`)."""

    def __init__(self, config: dict):
        self.url = config["LDAP_URL"]
        self.bind_dn = config["LDAP_BIND_DN"]
        self.bind_password = config["LDAP_BIND_PASSWORD"]
        self.base_dn = config["LDAP_BASE_DN"]
        self.user_filter = config["LDAP_USER_FILTER"]
        self.group_filter = config["LDAP_GROUP_FILTER"]
        self.name_attribute = config["LDAP_NAME_ATTRIBUTE"]
        self.email_attribute = config["LDAP_EMAIL_ATTRIBUTE"]
        self.role_map = config["LDAP_ROLE_MAP"] or {}
        self.ca_file = config["LDAP_CA_FILE"] or None
        self.timeout = config["LDAP_TIMEOUT"]

    def _server(self) -> Server:
        secure = self.url.startswith("ldaps://")
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.ca_file)
        return Server(self.url, use_ssl=secure, tls=tls, connect_timeout=self.timeout)

    @contextmanager
    def _bound(self, dn: str, password: str) -> Iterator[Connection]:
        """A connection bound as dn, upgraded with StartTLS first on ldap:// (a password never
        crosses the network in the clear); closed when done, whatever happened."""
        connection = Connection(
            self._server(), dn, password, receive_timeout=self.timeout, raise_exceptions=True
        )
        try:
            connection.open()
            if not self.url.startswith("ldaps://"):
                connection.start_tls()
            connection.bind()
            yield connection
        finally:
            with contextlib.suppress(LDAPException):  # the socket may be gone already
                connection.unbind()  # closes the socket, bound or not
            if connection.socket is not None:  # left open by a failed StartTLS
                with contextlib.suppress(OSError):
                    connection.socket.close()

    @contextmanager
    def _service(self) -> Iterator[Connection]:
        try:
            with self._bound(self.bind_dn, self.bind_password) as connection:
                yield connection
        except LDAPException as error:
            raise CompanySignInUnavailable() from error

    def find(self, login: str) -> DirectoryPerson | None:
        """The one person the login (email or user name) names, or None."""
        query = self.user_filter.replace("{login}", escape_filter_chars(login.strip()))
        with self._service() as connection:
            people = self._people(connection, query)
        return people[0] if len(people) == 1 else None

    def everyone(self) -> dict[str, DirectoryPerson]:
        """Every person the user filter finds, by DN (lower case), for the sync."""
        with self._service() as connection:
            found = self._people(connection, self.user_filter.replace("{login}", "*"))
        return {person.dn.lower(): person for person in found}

    def password_is_right(self, person: DirectoryPerson, password: str) -> bool:
        # An empty password makes a bind "unauthenticated" (RFC 4513, 5.1.2), which many
        # directories accept as a success: never try one.
        if not password:
            return False
        try:
            with self._bound(person.dn, password):
                return True
        except (LDAPBindError, LDAPInvalidCredentialsResult):
            return False
        except LDAPException as error:
            raise CompanySignInUnavailable() from error

    def _people(self, connection: Connection, query: str) -> list[DirectoryPerson]:
        connection.search(
            self.base_dn, query, SUBTREE, attributes=[self.name_attribute, self.email_attribute]
        )
        people = []
        for entry in list(connection.entries):
            email = clean_line(_first(entry, self.email_attribute)).lower()
            if not email:
                continue  # without an address there is no wiki account to match
            people.append(
                DirectoryPerson(
                    dn=entry.entry_dn,
                    email=email,
                    name=clean_line(_first(entry, self.name_attribute)) or email,
                    roles=self._roles(connection, entry.entry_dn),
                    roles_managed=bool(self.role_map),
                )
            )
        return people

    def _roles(self, connection: Connection, dn: str) -> tuple[str, ...]:
        connection.search(
            self.base_dn,
            self.group_filter.replace("{dn}", escape_filter_chars(dn)),
            SUBTREE,
            attributes=[],
        )
        return roles_from_groups([entry.entry_dn for entry in connection.entries], self.role_map)


def _first(entry, attribute: str) -> str:
    values = entry[attribute].values if attribute in entry else []
    return str(values[0]) if values else ""
