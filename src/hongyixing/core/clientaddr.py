"""The client's address: REMOTE_ADDR, or behind a trusted reverse proxy the forwarding header.

``X-Forwarded-For`` is only believed when the peer is one of ``HONGYIXING_TRUSTED_PROXIES``; then the
header is read from the right, skipping trusted hops, and the first untrusted address is the client
(anything further left was written by the client itself and may be forged). The rate limits and the
login throttle key on this one function.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return None
    if not _trusted(peer):
        return str(peer)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: trust nothing further left
        client = address
        if not _trusted(address):
            break
    return str(client)
