"""Which network addresses the wiki may post to: public ones, also when an IPv6 address
carries an IPv4 one inside it (a relay or translator would deliver to that one)."""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv6Address, IPv6Network

# IPv6 prefixes whose last 32 bits are an IPv4 address: IPv4-compatible (::/96), SIIT
# (::ffff:0:0:0/96) and NAT64's well-known prefix (64:ff9b::/96).
_IPV4_IN_LOW_BITS = tuple(
    IPv6Network(prefix) for prefix in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)
# NAT64 for local use (RFC 8215): where the IPv4 address sits depends on the network's prefix
# length, which the wiki cannot know; it is inside an organisation in any case.
_LOCAL_NAT64 = IPv6Network("64:ff9b:1::/48")


def is_public(address: str) -> bool:
    """Whether an address (as getaddrinfo gives it, maybe with a %zone) is a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global:
        return False
    if isinstance(ip, IPv4Address):
        return True
    if ip.is_site_local or ip in _LOCAL_NAT64:
        return False
    return all(embedded.is_global for embedded in _embedded_ipv4(ip))


def _embedded_ipv4(ip: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses inside an IPv6 one: mapped, compatible, SIIT, NAT64, 6to4, Teredo."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in network for network in _IPV4_IN_LOW_BITS):
        found.append(IPv4Address(int(ip) & 0xFFFFFFFF))
    return [embedded for embedded in found if embedded is not None]
