"""The SSRF guard of every outbound request (issue #15): no private, loopback, link-local, multicast,
reserved or unspecified target unless `WEBHOOK_ALLOWED_PRIVATE_NETWORKS` lists its network.

The check runs on the addresses the host name resolves to *now* (every delivery, not only when a URL is
saved): a name that resolved to a public address yesterday and to 10.0.0.5 today is refused today.
`resolve_checked` returns the addresses it checked, so the caller connects to one of them and not to a
second, possibly different, resolution (DNS rebinding).
"""

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOWED_SCHEMES = frozenset({"http", "https"})


class OutboundBlocked(Exception):
    """The target may not be called: a bad URL, a name that does not resolve, or a forbidden address.
    The message says which, in words a person can act on."""


@lru_cache(maxsize=8)
def _allowed_networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return _allowed_networks(tuple(settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS))


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast (an IPv4-mapped IPv6 address is judged as the IPv4 address it maps)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def address_check(address: IPAddress, *, host: str) -> None:
    if is_public(address) or any(address in network for network in allowed_networks()):
        return
    raise OutboundBlocked(
        f"{host} resolves to {address}, a private, loopback or link-local address: outbound calls may not reach "
        "it (WEBHOOK_ALLOWED_PRIVATE_NETWORKS lists the networks that may be reached)."
    )


def url_parts(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL without credentials; OutboundBlocked otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise OutboundBlocked(f"Not a valid URL: {error}.") from error
    if parts.scheme not in ALLOWED_SCHEMES:
        raise OutboundBlocked("Only http and https URLs can be called.")
    if not parts.hostname:
        raise OutboundBlocked("The URL names no host.")
    if parts.username or parts.password:
        raise OutboundBlocked("The URL may not carry a user name or password.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve_checked(url: str) -> list[IPAddress]:
    """Resolve the URL's host and check every address it resolves to (all must be allowed: a name with one
    public and one private address is refused). Returns the addresses, in resolver order."""
    _scheme, host, port = url_parts(url)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as error:
            raise OutboundBlocked(f"{host} does not resolve: {error}.") from error
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise OutboundBlocked(f"{host} does not resolve.")
    for address in addresses:
        address_check(address, host=host)
    return addresses


def url_check(url: str) -> None:
    """Raise OutboundBlocked unless the URL may be called now (the API's check when a URL is saved:
    answered as a 400 with the message)."""
    resolve_checked(url)
