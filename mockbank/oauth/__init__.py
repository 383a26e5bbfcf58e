"""The bank's OAuth 2 authorization server, on Authlib: the one package that knows Authlib.

``records`` adapts the bank's rows and requests to Authlib, ``server`` holds the grants, endpoints and
the server, ``routes`` the ``/as`` routes and the end of an authorization request (for the screens).
"""

from __future__ import annotations

from flask import Flask

from mockbank.oauth import routes
from mockbank.oauth.server import BankAuthorizationServer


def init_app(app: Flask, state) -> None:
    """Create the authorization server of this app over its backend and register the ``/as`` routes."""
    BankAuthorizationServer(app, state)
    app.register_blueprint(routes.blueprint)
