"""A bounded property-based fuzz of every JSON endpoint of both apps: no 5xx, every error in the app's envelope.

The endpoints come from each app's ``url_map`` (the bank's ``/sandbox`` and ``/v1``; the portal's ``/sandbox``,
``/v2``, ``/api`` and ``/bank``), so a new endpoint is fuzzed without touching this file. Hypothesis draws path
parameters, query parameters, credentials and bodies. A body is either JSON of any shape (lone surrogates, NUL,
integers past 64 bits, deep nesting), bytes that are no JSON, or — to get past the first check — an object
holding a valid value for every field name the APIs use, one or two of them swapped for a hostile value
(``"1e30"``, 2^63, ``[1, 2]``, a lone surrogate...). Query parameters are drawn the same way. Examples are
derandomized, so a run is repeatable; the budget keeps the file near 20 s of CPU on a 2-core machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.routing import PathConverter

from consent_server import create_app as create_portal
from mockbank import create_app as create_bank
from mockbank.sim.clock import SimClock
from scenarios import mock_world
from tests.bank.helpers import make_firm

from .envelopes import in_envelope

JSON_PREFIXES = {"bank": ("/sandbox", "/v1"), "portal": ("/sandbox", "/v2", "/api/", "/bank/")}
EXAMPLES = 12
# Endpoints whose every accepted call rebuilds or empties a world (a demo seed takes half a second).
COSTLY = {"bank sandbox.seed POST": 3, "bank sandbox.reset POST": 4, "portal sandbox.reset POST": 4}
ALL_SCOPES = "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read psd2:account:funds:read"
FUZZ_SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@dataclass(frozen=True)
class Endpoint:
    """One route and method of one app."""

    app: str
    rule: str
    method: str
    endpoint: str
    params: tuple[tuple[str, str], ...]  # (name, int|path|string)

    @property
    def name(self) -> str:
        return f"{self.app} {self.endpoint} {self.method}"


def _kind(converter) -> str:
    if isinstance(converter, IntegerConverter):
        return "int"
    return "path" if isinstance(converter, PathConverter) else "string"


def discover() -> list[Endpoint]:
    """Every JSON endpoint of both apps, read from their url maps."""
    found = []
    for name, factory, key in (("bank", create_bank, "mockbank"), ("portal", create_portal, "consent_server")):
        app = factory({"TESTING": True}, clock=SimClock(start="2026-01-05T09:00:00+01:00"))
        try:
            for rule in app.url_map.iter_rules():
                if not rule.rule.startswith(JSON_PREFIXES[name]):
                    continue
                params = tuple((param, _kind(conv)) for param, conv in rule._converters.items())
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    found.append(Endpoint(name, rule.rule, method, rule.endpoint, params))
        finally:
            app.extensions[key].close()
    return sorted(found, key=lambda e: (e.app, e.rule, e.method))


ENDPOINTS = discover()


# --- the world the requests land in ------------------------------------------------------------------------


@dataclass
class Known:
    """Values of the world that let a drawn request reach past validation, per app."""

    strings: dict[str, list[str]]
    ids: list[int]
    headers: dict[str, dict[str, str]]
    fields: dict[str, dict]  # a valid value for every body field name the app's APIs use
    query: dict[str, dict]  # a valid value for every query parameter


@pytest.fixture(scope="module")
def world():
    with mock_world(seed=None, start="2026-03-02T09:00:00") as built:
        yield built


def _known(world) -> Known:
    """A firm with accounts, a third party with a token, an administration with a bank account.

    Made once and remade only after a fuzzed reset emptied an app (checked with one cheap read each).
    """
    cached = getattr(world, "_fuzz_known", None)
    bank = world.bank_backend
    portal = world.portal_app.test_client()
    if cached is not None:
        client_id, iban = cached.strings["bank"][2], cached.strings["bank"][0]
        bank_intact = bank.consents.client(client_id) is not None and bank.bank.find_account(iban) is not None
        portal_intact = portal.get("/v2/bankaccounts", headers=cached.headers["portal"]).status_code == 200
        if bank_intact and portal_intact:
            return cached
    firm = make_firm(bank.bank)
    client = bank.consents.register_client(name="Fuzz BV", redirect_uris=["https://localhost/auth"])
    token = bank.consents.mint_token(client_id=client.client_id, iban=firm.iban, scopes=ALL_SCOPES).access_token
    made = portal.post(
        "/sandbox/administrations",
        json={
            "companyName": "Fuzz BV",
            "bankAccounts": [{"Name": "Rekening", "BankAccountType": 1, "Iban": firm.iban}],
        },
    ).get_json()
    bearer = {"Authorization": f"Bearer {made['accessToken']}"}
    uids = [account["Id"] for account in portal.get("/v2/bankaccounts", headers=bearer).get_json()["Data"]]
    known = Known(
        strings={
            "bank": [firm.iban, firm.other_iban, client.client_id, token],
            "portal": [*uids, firm.iban, made["accessToken"]],
        },
        ids=[1, 2, 3, firm.customer_id, made["id"]],
        headers={
            "bank": {"API-Key": client.api_key, "Authorization": f"Bearer {token}"},
            "portal": bearer,
        },
        fields={
            "bank": {
                **{"seed": 7, "kind": "business", "name": "Fuzz", "tradeName": "Fuzz", "kvkNumber": "12345678"},
                **{"customerId": firm.customer_id, "email": "a@example.nl", "loginMeans": ["edentifier"]},
                **{"product": "current", "currency": "EUR", "iban": firm.iban, "hasOwnIban": True, "balance": "1.00"},
                **{"creditLimit": "0.00", "debtorIban": firm.iban, "creditorIban": firm.other_iban, "amount": "0.01"},
                **{"description": "Factuur 1", "reference": "R1", "allowOverdraft": True, "mutationCode": "426"},
                **{"descriptionLines": ["BEA"], "counterPartyName": "Winkel", "redirectUris": ["https://a.nl/cb"]},
                **{"clientId": client.client_id, "scopes": "psd2:account:balance:read", "public": False},
                **{"seconds": 1, "decision": "approve", "path": "/v1/fuzz-only", "status": 429, "count": 1},
            },
            "portal": {
                **{"companyName": "Fuzz BV", "kvkNumber": "12345678", "accountingFirm": "Kantoor", "Name": "Rek"},
                **{"BankAccountType": 1, "Iban": firm.iban, "CurrencyCode": "EUR", "LedgerAccountNumber": 1100},
                **{"IsActive": True, "kvkNummer": "12345678", "naam": "Fuzz BV", "clientId": client.client_id},
                **{"apiKey": client.api_key, "force": True, "month": "2026-01", "seconds": 1},
                **{"bankAccounts": [{"Name": "Spaar", "BankAccountType": 1}], "serialNumber": "1234567"},
            },
        },
        query={
            "bank": {"limit": "5", "status": "pending", "clientId": client.client_id, "bookDateFrom": "2026-01-01"},
            "portal": {
                **{"limit": "5", "iban": firm.iban, "serial": "1234567", "administrationId": str(made["id"])},
                **{"month": "2026-01", "kind": "activation", "$page": "1", "$pagesize": "10", "kvkNummer": "12345678"},
            },
        },
    )
    known.query["bank"].update({"bookDateTo": "2026-03-01", "amount": "1", "currency": "EUR"})
    world._fuzz_known = known
    return known


# --- strategies -----------------------------------------------------------------------------------------------

# Every code point, lone surrogates and NUL included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=10)
HUGE = st.sampled_from([2**63, -(2**63) - 1, 10**30, 2**64 + 1, 2**63 - 1])
HOSTILE_TEXT = st.sampled_from(
    ["1e30", "-1e30", "1e999999999", "NaN", "\ud800", "a\x00b", "é", "", " ", "99999999999999999999", "²", "-1"]
    + ["9999-12-31T23:59:59", "0001-01-01", '"', "\\", "%00", "../../etc", "x" * 300]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    HUGE,
    st.floats(allow_nan=False, allow_infinity=False),
    ANY_TEXT,
    HOSTILE_TEXT,
)
ANY_JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3), max_leaves=5
)
HOSTILE = st.one_of(HOSTILE_TEXT, HUGE, SCALARS, st.sampled_from([[1, 2], [None], {"a": 1}, [], {}, [["x"]]]))
RAW_BODIES = st.sampled_from(
    [
        b"",
        b"{",
        b"null",
        b'{"a": NaN}',
        b'{"a": "\\ud800"}',
        b'{"a": "x\\u0000"}',
        b'{"a": 99999999999999999999999}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": "\xff"}',
    ]
)


@st.composite
def mutated(draw, valid: dict, hostile):
    """``valid`` with a few fields left out and one or two swapped for ``hostile`` values."""
    names = sorted(valid)
    kept = draw(st.lists(st.sampled_from(names), unique=True, min_size=len(names) // 2))
    result = {name: valid[name] for name in names if name in kept or draw(st.booleans())}
    for name in draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=2)):
        result[name] = draw(hostile)
    return result


def _segment(kind: str, strings: list[str], ids: list[int]):
    if kind == "int":
        return st.one_of(st.sampled_from(ids), HUGE.filter(lambda n: n >= 0), st.integers(min_value=0)).map(str)
    text = st.one_of(st.sampled_from(strings), HOSTILE_TEXT.filter(lambda s: s and "/" not in s), ANY_TEXT)
    text = text.filter(bool)
    if kind == "path":
        text = st.lists(text, min_size=1, max_size=3).map("/".join)
    return text.map(lambda value: quote(value, safe="/" if kind == "path" else "", errors="surrogatepass"))


@st.composite
def requests_for(draw, endpoint: Endpoint, known: Known):
    """(path, encoded query, headers, body bytes or None) of one drawn request."""
    strings = known.strings[endpoint.app]
    path = endpoint.rule
    for name, kind in endpoint.params:
        segment = draw(_segment(kind, strings, known.ids))
        path = path.replace(f"<{kind}:{name}>" if kind != "string" else f"<{name}>", segment)
    hostile_query = st.one_of(HOSTILE_TEXT, ANY_TEXT, HUGE.map(str))
    query = draw(
        st.one_of(
            st.just({}),
            mutated(known.query[endpoint.app], hostile_query),
            st.dictionaries(ANY_TEXT, hostile_query, max_size=2),
        )
    )
    good = known.headers[endpoint.app]
    headers = dict(draw(st.sampled_from([good, {}, {name: "x" for name in good}])))
    body = None
    if endpoint.method != "GET":
        body = draw(
            st.one_of(
                mutated(known.fields[endpoint.app], HOSTILE).map(lambda v: json.dumps(v).encode()),
                st.none(),
                ANY_JSON.map(lambda v: json.dumps(v).encode()),
                RAW_BODIES,
            )
        )
    pairs = [(k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass")) for k, v in query.items()]
    return path, urlencode(pairs), headers, body


# --- the property ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_no_drawn_request_gets_a_server_error_and_every_error_is_in_the_app_s_envelope(world, endpoint):
    known = _known(world)
    client = (world.bank_app if endpoint.app == "bank" else world.portal_app).test_client()

    @settings(max_examples=COSTLY.get(endpoint.name, EXAMPLES), **FUZZ_SETTINGS)
    @given(drawn=requests_for(endpoint, known))
    def call(drawn):
        path, query, headers, body = drawn
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        response = client.open(path, method=endpoint.method, query_string=query, headers=headers, data=body)
        if endpoint.endpoint.startswith("sandbox_faults."):
            # A fault the fuzz stored would answer later requests with its (maybe 5xx) status on purpose.
            world.bank_backend.faults.clear()
        assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
        if response.status_code >= 400:
            in_envelope(endpoint.app, path, response)

    call()
    # Nothing half-written: every balance still equals its bookings.
    assert world.bank_app.test_client().get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}


def test_the_fuzz_covers_every_json_endpoint_of_both_apps():
    names = {e.name for e in ENDPOINTS}
    assert {"bank ais.transactions GET", "bank sandbox.transfer POST", "portal api.create_account POST"} <= names
    assert {"portal callbacks.bank_registration POST", "portal sandbox.advance_clock POST"} <= names
    assert len([e for e in ENDPOINTS if e.app == "bank"]) >= 40
    assert len([e for e in ENDPOINTS if e.app == "portal"]) >= 30


# --- the sweep: every field an endpoint reads, every hostile value ------------------------------------------------

HOSTILE_BODY_VALUES = [
    *("1e30", "-1e30", "1e999999999", "", "é" * 3, "9999-12-31T23:59:59", "x" * 5000, "-1"),
    *(2**63 - 1, -(2**63 - 1), 10**18, -1, 0, 1.5, True, None, [1, 2], [None], {"a": 1}),
]
HOSTILE_QUERY_VALUES = ["1e30", "99999999999999999999", "²", "", "-1", "0", "9999-12-31", "é", "x" * 3000]


class _Recorder:
    """The names a view reads from the JSON body and the query while one request runs."""

    def __init__(self):
        self.body: set[str] = set()
        self.query: set[str] = set()


def _tracking_request_class(base, recorder: _Recorder):
    class TrackedDict(dict):
        def get(self, key, default=None):
            recorder.body.add(key)
            return super().get(key, default)

        def __getitem__(self, key):
            recorder.body.add(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            recorder.body.add(key)
            return super().__contains__(key)

    class TrackedArgs(ImmutableMultiDict):
        def get(self, key, default=None, type=None):
            recorder.query.add(key)
            return super().get(key, default, type)

        def __getitem__(self, key):
            recorder.query.add(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            recorder.query.add(key)
            return super().__contains__(key)

    class TrackedRequest(base):
        parameter_storage_class = TrackedArgs

        def get_json(self, *args, **kwargs):
            value = super().get_json(*args, **kwargs)
            return TrackedDict(value) if type(value) is dict else value

    return TrackedRequest


def _concrete_path(endpoint: Endpoint, known: Known) -> str:
    path = endpoint.rule
    for name, kind in endpoint.params:
        value = str(known.ids[0]) if kind == "int" else known.strings[endpoint.app][0]
        path = path.replace(f"<{kind}:{name}>" if kind != "string" else f"<{name}>", quote(value, safe=""))
    return path


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_field_an_endpoint_reads_takes_every_hostile_value_with_a_4xx(world, endpoint):
    known = _known(world)
    app = world.bank_app if endpoint.app == "bank" else world.portal_app
    client = app.test_client()
    path = _concrete_path(endpoint, known)
    headers = dict(known.headers[endpoint.app])
    valid_body = None if endpoint.method == "GET" else dict(known.fields[endpoint.app])
    valid_query = dict(known.query[endpoint.app])
    if endpoint.endpoint == "sandbox.seed":
        valid_body["seed"] = "not this time"  # the names it reads are known without building a world

    server_errors = []

    def call(body, query, where: str = "valid", name: str = "", value=None):
        data = None if body is None else json.dumps(body).encode()
        sent = {**headers, "Content-Type": "application/json"} if data is not None else headers
        response = client.open(path, method=endpoint.method, query_string=query, headers=sent, data=data)
        if endpoint.endpoint.startswith("sandbox_faults."):
            world.bank_backend.faults.clear()
        if response.status_code >= 500:
            server_errors.append((where, name, repr(value)[:40], response.status_code))
        elif response.status_code >= 400:
            in_envelope(endpoint.app, path, response)

    recorder = _Recorder()
    original = app.request_class
    app.request_class = _tracking_request_class(original, recorder)
    try:
        call(valid_body, valid_query)
    finally:
        app.request_class = original
    for name in sorted(recorder.body if valid_body is not None else ()):
        for value in HOSTILE_BODY_VALUES:
            call({**valid_body, name: value}, valid_query, "body", name, value)
    for name in sorted(recorder.query):
        for value in HOSTILE_QUERY_VALUES:
            call(valid_body, {**valid_query, name: value}, "query", name, value)
    assert not server_errors, "\n".join(map(str, server_errors))
    assert world.bank_app.test_client().get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}
