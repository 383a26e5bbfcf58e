"""``OPTIONS`` under ``/v1``: the methods a path really has, or ABN AMRO's not-found error.

Flask would answer every ``OPTIONS`` with 200 and an ``Allow`` header that also lists the methods of the
catch-all route, which only answers 404. Here only real routes count.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import request
from werkzeug.exceptions import HTTPException

from mockbank import errors
from mockbank.views import ais

# The methods a route under /v1 could have; HEAD comes with GET.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_CATCH_ALL = f"{ais.blueprint.name}.{ais.unknown.__name__}"


def allowed_methods(app: Flask) -> list[str]:
    """The methods of the current request's path, leaving out the catch-all route's."""
    adapter = app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != _CATCH_ALL:
            allowed.append(method)
    return allowed


def init_app(app: Flask) -> None:
    """Answer ``OPTIONS`` under ``/v1`` before Flask's automatic answer (register after the fault hook)."""

    @app.before_request
    def _options():
        if request.method != "OPTIONS" or not (request.path == "/v1" or request.path.startswith("/v1/")):
            return None
        allowed = allowed_methods(app)
        if not allowed:
            raise errors.NotFound()
        return Response(status=200, headers={"Allow": ", ".join([*allowed, "OPTIONS"])})
