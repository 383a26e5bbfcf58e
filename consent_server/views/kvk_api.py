"""The KvK register's search API (``/api/v2/zoeken``) in KvK Zoeken v2's shape."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import request

from consent_server import wire
from consent_server.services import kvk
from consent_server.web import portal

blueprint = Blueprint("kvk", __name__, url_prefix="/api/v2")


def init_app(app: Flask) -> None:
    """Register the KvK search API."""
    app.register_blueprint(blueprint)


@blueprint.get("/zoeken")
def search():
    """Search by ``kvkNummer`` (the one criterion the portal needs); ``pagina`` and ``resultatenPerPagina`` page."""
    number = request.args.get("kvkNummer")
    try:
        page = int(request.args.get("pagina", 1))
        per_page = int(request.args.get("resultatenPerPagina", 10))
        if not 1 <= page <= 1000 or not 1 <= per_page <= 100:
            raise ValueError
    except ValueError:
        error = kvk.KvkError(400, "IPD1003", "De paginering is ongeldig: pagina 1..1000, resultatenPerPagina 1..100.")
        return wire.json_response(kvk.fout(error), status=400)
    if number is None:
        error = kvk.KvkError(400, "IPD1001", "Geef een zoekcriterium op, bijvoorbeeld kvkNummer.")
        return wire.json_response(kvk.fout(error), status=400)
    try:
        company = portal().kvk.lookup(number)
    except kvk.KvkError as error:
        return wire.json_response(kvk.fout(error), status=error.status)
    query = f"kvkNummer={number}"
    return wire.json_response(kvk.search_result([company], page=page, per_page=per_page, query=query))
