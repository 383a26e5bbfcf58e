"""What every view needs of the app handling the request: its backend and absolute URLs on the portal's hosts.

Below both ``app`` (which registers the blueprints) and the blueprints, so neither imports the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask import request
from flask import url_for

if TYPE_CHECKING:
    from consent_server.backend import PortalBackend


def portal() -> PortalBackend:
    """The backend of the app handling the current request."""
    return current_app.extensions["consent_server"]


def public_url(base_key: str, endpoint: str, **values) -> str:
    """An absolute URL on one of the portal's public hosts (``PORTAL_BASE``, ``EACCOUNTING_BASE``...).

    The path is the endpoint's path without the prefix this request came in under: in server mode
    each host has its own prefix, so a link for another host must not carry this one's.
    """
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root) :]
    return current_app.config[base_key].rstrip("/") + path
