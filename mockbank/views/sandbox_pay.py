"""The sandbox's look into payments and direct debits: registered payments, incassocontracts, batches, returns."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import request

from mockbank import wire
from mockbank.context import backend
from mockbank.shapes import batch_json
from mockbank.shapes import contract_json
from mockbank.shapes import payment_json
from mockbank.shapes import return_rule_json
from mockbank.sim.web import body
from mockbank.sim.web import optional
from mockbank.sim.web import required

blueprint = Blueprint("sandbox_pay", __name__, url_prefix="/sandbox")


def init_app(app: Flask) -> None:
    """Register the sandbox's payment calls."""
    app.register_blueprint(blueprint)


@blueprint.get("/payments")
def list_payments():
    """Every registered payment (``clientId`` filters), with status, account and amounts."""
    views = backend().payments.payments(client_id=request.args.get("clientId"))
    return wire.json_response({"payments": [payment_json(v) for v in views]})


@blueprint.get("/sdd/contracts")
def list_contracts():
    """Every direct-debit contract (incassocontract)."""
    return wire.json_response({"contracts": [contract_json(c) for c in backend().sdd.contracts()]})


@blueprint.post("/sdd/contracts")
def add_contract():
    """Give a business current account an incassocontract: ``{iban, creditorId?}`` (default: KvK number + 0000)."""
    data = body()
    contract = backend().sdd.add_contract(required(data, "iban"), optional(data, "creditorId"))
    return wire.json_response(contract_json(contract), status=201)


@blueprint.get("/sdd/batches")
def list_batches():
    """Every direct-debit batch with its collections (``clientId`` filters); ABN AMRO itself has no such call."""
    batches = backend().sdd.batches(client_id=request.args.get("clientId"))
    return wire.json_response({"batches": [batch_json(b) for b in batches]})


@blueprint.get("/sdd/batches/<path:batch_id>")
def get_batch(batch_id: str):
    """One batch, by ABN AMRO's id (``transactionId;IBAN``)."""
    return wire.json_response(batch_json(backend().sdd.find(batch_id)))


@blueprint.post("/sdd/batches/<path:batch_id>/authorize")
def authorize_batch(batch_id: str):
    """Sign a received batch as its holder would in internet banking, without the screens."""
    return wire.json_response(batch_json(backend().sdd.authorize_by_sandbox(batch_id)))


@blueprint.get("/sdd/returns")
def list_returns():
    """Every scripted return, used or not."""
    return wire.json_response({"returns": [return_rule_json(r) for r in backend().sdd.return_rules()]})


@blueprint.post("/sdd/returns")
def add_return():
    """Script a return: ``{reason: AM04|MD01|MD06, debtorIban?, endToEndId?, mandateId?, afterDays?}``."""
    data = body()
    rule = backend().sdd.add_return_rule(
        reason=required(data, "reason"),
        debtor_iban=optional(data, "debtorIban"),
        end_to_end_id=optional(data, "endToEndId"),
        mandate_id=optional(data, "mandateId"),
        after_days=optional(data, "afterDays", None, int),
    )
    return wire.json_response(return_rule_json(rule), status=201)
