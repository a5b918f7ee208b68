"""The client's address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

Without a proxy it is the peer address. Behind TRUSTED_PROXY_COUNT proxies that each
append the address they received the request from to X-Forwarded-For (nginx's
`$proxy_add_x_forwarded_for`), the client is the entry the outermost proxy wrote: the
TRUSTED_PROXY_COUNT-th from the right. Anything to its left came from the client and may
be forged, so it is never believed.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

# A proxy chain of a few hops fits in far less; a longer header is not parsed whole.
MAX_FORWARDED_LENGTH = 2000


def client_ip_address(request) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # Only the right end matters (the proxies' entries), so keep that end of a long header.
    hops = [hop.strip() for hop in forwarded[-MAX_FORWARDED_LENGTH:].split(",")]
    if len(hops) < count:
        return peer  # it did not come through every proxy
    return _address(hops[-count]) or peer


def _address(text: str) -> str:
    """The IP address in `text` in its normal form, or "" if it is none. Some proxies add
    the client's port: 1.2.3.4:5678, [2001:db8::1]:443."""
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        logger.warning("X-Forwarded-For entry %r is no address: using the peer's.", text[:60])
        return ""
