"""Who may read the platform's operational detail: each part's state and error in /healthz, and
/metrics. Operators' networks (OPERATIONS_ALLOWED_NETWORKS, CIDR) or a bearer of
OPERATIONS_TOKEN; to anyone else /healthz tells only up or down, and /metrics does not exist.

The address is the one the trusted proxies report (`client_ip_of`), never a header the client
wrote itself.
"""

import hmac
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from monitoring.services import client_ip_of

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def operations_networks() -> list[Network]:
    """OPERATIONS_ALLOWED_NETWORKS parsed; a wrong entry stops start-up, named."""
    networks = []
    for entry in settings.OPERATIONS_ALLOWED_NETWORKS:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"OPERATIONS_ALLOWED_NETWORKS: {entry!r} is not a network (e.g. 10.0.0.0/8)"
            ) from None
    return networks


def is_operations_request(request: HttpRequest) -> bool:
    token = settings.OPERATIONS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(client_ip_of(request) or "")
    except ValueError:
        return False
    return any(client in network for network in operations_networks())
