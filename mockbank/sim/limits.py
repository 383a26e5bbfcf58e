"""Limits both servers put on a request before any view sees it: body size, path ids, characters a database refuses.

Each app answers what these refuse in its own envelope (its ``HTTPException`` handler); this module only
decides what is refused. The numbers are documented in docs/bank-api.md ("Limits").
"""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestURITooLarge
from werkzeug.routing import IntegerConverter

from mockbank.sim.jsonbody import LARGEST_INTEGER

# 1 MiB: far above any body the APIs take (the largest, a seed summary, is an answer, not a request).
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
# 8 KiB of path and query, as common proxies allow; the longest real URL (an authorization request) is under 2 KiB.
MAX_URL_LENGTH = 8 * 1024
NUL = "\x00"


class IdConverter(IntegerConverter):
    """``<int:...>`` path ids a database can hold (0 to 2^63 - 1): a larger one matches no route, so it is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_INTEGER)
        super().__init__(map, *args, **kwargs)


def _check_request() -> None:
    # Flask refuses a large body only when a view reads it; refused up front, every path answers alike.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")
    if len(request.path) + len(request.query_string) > MAX_URL_LENGTH:
        raise RequestURITooLarge(f"the URL is longer than {MAX_URL_LENGTH} characters")
    # PostgreSQL cannot store or even compare text holding NUL; refused for every app alike, whatever the database.
    if NUL in request.path or any(NUL in key or NUL in value for key, value in request.args.items(multi=True)):
        raise BadRequest("the URL holds a NUL character")
    if any(NUL in value for value in request.headers.values()):
        raise BadRequest("a header holds a NUL character")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any(NUL in key or NUL in value for key, value in request.form.items(multi=True)):
            raise BadRequest("a form field holds a NUL character")


def install(app: Flask) -> None:
    """Bound path ids, URLs and bodies and refuse NUL characters; call before any blueprint is registered.

    The body limit is the app's ``MAX_CONTENT_LENGTH`` setting (``DEFAULT_MAX_CONTENT_LENGTH`` by default):
    a larger body is a 413 (one sent without a length as soon as it is read). A URL longer than
    ``MAX_URL_LENGTH`` is a 414, a NUL in the URL, a header or a form field a 400, before any view.
    """
    app.url_map.converters["int"] = IdConverter
    app.before_request(_check_request)
