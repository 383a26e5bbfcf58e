"""Direct-debit batches through ``POST /v1/payments/batch``: a file made by sepaxml is taken as it is; each broken
variant is refused with an error naming its element, and a refused file books nothing, ever."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import re

import pytest

from .helpers import OUTSIDE_IBAN
from .helpers import assert_bank_error
from .pay_helpers import BATCH_SCOPE
from .pay_helpers import Debit
from .pay_helpers import balance
from .pay_helpers import client_credentials
from .pay_helpers import consent_token
from .pay_helpers import make_pay_world
from .pay_helpers import pack
from .pay_helpers import sdd_file
from .pay_helpers import send_batch
from .pay_helpers import three_debits

COLLECTION = dt.date(2026, 1, 9)  # the clock stands on Monday 5 January 2026, 09:00
ROOT = "/Document/CstmrDrctDbtInitn"


@pytest.fixture
def world(bank):
    return make_pay_world(bank)


@pytest.fixture
def token(client, world):
    """The holder's token for sending direct-debit files from the creditor account."""
    return consent_token(client, world, iban=world.creditor, scope=BATCH_SCOPE)


def _instruction(response) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["sepaBatchPaymentInstruction"]


def _nothing_happens(client, bank, world, clock) -> None:
    """No batch is stored, and weeks later no balance has moved."""
    assert client.get("/sandbox/sdd/batches").get_json()["batches"] == []
    clock.advance(dt.timedelta(days=30))
    assert (balance(bank, world.creditor), balance(bank, world.rich), balance(bank, world.poor)) == (
        100_000,
        50_000,
        500,
    )


def test_a_file_made_by_sepaxml_is_received_as_it_is(client, world, token):
    xml = sdd_file(world, COLLECTION, three_debits(world))

    answer = _instruction(send_batch(client, world, token, xml))

    assert answer["status"] == "RECEIVED"
    assert re.fullmatch(r"\d{4}[A-Z]\d{10}S0[A-Z]{2};" + world.creditor, answer["id"])
    assert answer["hash"] == hashlib.sha256(xml).hexdigest()  # of the uncompressed file
    assert answer["authorizationUrl"].endswith("/internetbankieren/taken/1")
    (batch,) = client.get("/sandbox/sdd/batches").get_json()["batches"]
    assert (batch["status"], batch["count"], batch["total"], batch["collectionDate"]) == (
        "RECEIVED",
        3,
        "470.75",
        "2026-01-09",
    )
    assert [c["endToEndId"] for c in batch["collections"]] == ["2026-0001", "2026-0002", "2026-0003"]


def _with(xml: bytes, pattern: str, replacement: str, count: int = 1) -> bytes:
    changed, made = re.subn(pattern.encode(), replacement.encode(), xml, count=count)
    assert made, f"{pattern} not in the file"
    return changed


BROKEN = {
    "wrong CtrlSum": (
        lambda xml: _with(xml, r"<PmtInf>(.*?)<CtrlSum>470.75</CtrlSum>", r"<PmtInf>\1<CtrlSum>470.76</CtrlSum>"),
        f"{ROOT}/PmtInf/CtrlSum",
        "add up to 470.75",
    ),
    "wrong group CtrlSum": (
        lambda xml: _with(xml, r"<CtrlSum>470.75</CtrlSum>", "<CtrlSum>47.75</CtrlSum>"),
        f"{ROOT}/GrpHdr/CtrlSum",
        "CtrlSum says 47.75",
    ),
    "wrong NbOfTxs": (
        lambda xml: _with(xml, r"<NbOfTxs>3</NbOfTxs>", "<NbOfTxs>2</NbOfTxs>"),
        f"{ROOT}/GrpHdr/NbOfTxs",
        "holds 3 transactions",
    ),
    "bad debtor IBAN": (
        lambda xml: _with(xml, OUTSIDE_IBAN, "NL69INGB0123456788"),
        f"{ROOT}/PmtInf/DrctDbtTxInf[3]/DbtrAcct/Id/IBAN",
        "not a valid IBAN",
    ),
    "creditor id with wrong check digits": (
        lambda xml: _with(xml, r"NL69ZZZ", "NL68ZZZ", count=0),
        f"{ROOT}/PmtInf/CdtrSchmeId/Id/PrvtId/Othr/Id",
        "check digits",
    ),
    "mandate without an id": (
        lambda xml: _with(xml, r"<MndtId>MND-POOR</MndtId>", ""),
        f"{ROOT}/PmtInf/DrctDbtTxInf[2]/DrctDbtTx/MndtRltdInf",
        "mandate id is missing",
    ),
    "mandate signed tomorrow": (
        lambda xml: _with(xml, r"<DtOfSgntr>2025-03-01</DtOfSgntr>", "<DtOfSgntr>2026-01-06</DtOfSgntr>"),
        f"{ROOT}/PmtInf/DrctDbtTxInf[1]/DrctDbtTx/MndtRltdInf/DtOfSgntr",
        "after today",
    ),
    "a transaction of another sequence type": (
        lambda xml: _with(xml, r"<InstdAmt", "<PmtTpInf><SeqTp>FRST</SeqTp></PmtTpInf><InstdAmt"),
        f"{ROOT}/PmtInf/DrctDbtTxInf[1]/PmtTpInf/SeqTp",
        "one sequence type per batch",
    ),
    "amount with three decimals": (
        lambda xml: _with(xml, r"<InstdAmt Ccy=\"EUR\">121.00</InstdAmt>", '<InstdAmt Ccy="EUR">121.001</InstdAmt>'),
        f"{ROOT}/PmtInf/DrctDbtTxInf[1]/InstdAmt",
        "more than two decimals",
    ),
    "not well-formed": (
        lambda xml: xml.replace(b"</Document>", b""),
        "line 1, column",
        "not well-formed XML",
    ),
    "schema violation": (
        lambda xml: _with(xml, r"<PmtMtd>DD</PmtMtd>", "<PmtMtd>TRF</PmtMtd>"),
        f"{ROOT}/PmtInf/PmtMtd",
        "pain.008.001.02 schema",
    ),
}


@pytest.mark.parametrize("variant", list(BROKEN))
def test_a_broken_file_is_rejected_naming_the_element_and_nothing_is_booked(client, bank, world, token, clock, variant):
    break_it, element, words = BROKEN[variant]
    xml = break_it(sdd_file(world, COLLECTION, three_debits(world)))

    answer = _instruction(send_batch(client, world, token, xml))

    assert answer["status"] == "REJECTED"
    assert "id" not in answer and "hash" not in answer  # ABN AMRO gives both for a positive status only
    assert any(e["element"].startswith(element) and words in e["message"] for e in answer["errors"]), answer["errors"]
    _nothing_happens(client, bank, world, clock)


def test_mixed_sequence_types_from_sepaxml_are_two_batches_and_refused(client, bank, world, token, clock):
    debits = three_debits(world)
    debits[1] = Debit(world.poor, 4_950, "2026-0002", sequence="FRST", mandate="MND-POOR")
    xml = sdd_file(world, COLLECTION, debits)

    answer = _instruction(send_batch(client, world, token, xml))

    assert answer["status"] == "REJECTED"
    elements = {e["element"]: e["message"] for e in answer["errors"]}
    assert any(element.startswith(f"{ROOT}/PmtInf[2]/PmtTpInf/SeqTp") for element in elements), elements
    _nothing_happens(client, bank, world, clock)


@pytest.mark.parametrize(
    ("date", "words"),
    [
        (dt.date(2026, 1, 2), "in the past"),
        (dt.date(2026, 1, 5), "not far enough ahead"),
        (dt.date(2027, 3, 1), "year"),
    ],
)
def test_a_collection_date_too_soon_or_too_late_is_refused(client, bank, world, token, clock, date, words):
    xml = sdd_file(world, date, three_debits(world))

    answer = _instruction(send_batch(client, world, token, xml))

    assert answer["status"] == "REJECTED"
    (error,) = answer["errors"]
    assert error["element"] == f"{ROOT}/PmtInf/ReqdColltnDt" and words in error["message"]
    _nothing_happens(client, bank, world, clock)


def test_after_the_cut_off_the_next_day_is_too_soon(client, world, clock):
    clock.advance_to("2026-01-05T12:31:00+01:00")
    token = consent_token(client, world, iban=world.creditor, scope=BATCH_SCOPE)
    too_soon = _instruction(send_batch(client, world, token, sdd_file(world, dt.date(2026, 1, 6), three_debits(world))))
    just_right = _instruction(
        send_batch(client, world, token, sdd_file(world, dt.date(2026, 1, 7), three_debits(world)))
    )

    assert (too_soon["status"], just_right["status"]) == ("REJECTED", "RECEIVED")


def test_a_collection_date_without_target2_moves_to_the_next_target2_day(client, world, clock):
    clock.advance_to("2026-04-01T10:00:00+02:00")  # Wednesday before Easter
    token = consent_token(client, world, iban=world.creditor, scope=BATCH_SCOPE)
    xml = sdd_file(world, dt.date(2026, 4, 3), three_debits(world))  # Good Friday

    answer = _instruction(send_batch(client, world, token, xml))

    assert answer["status"] == "RECEIVED"
    (batch,) = client.get("/sandbox/sdd/batches").get_json()["batches"]
    assert (batch["requestedCollectionDate"], batch["collectionDate"]) == ("2026-04-03", "2026-04-07")
    assert "03-04-2026 naar 07-04-2026" in batch["notice"]


def test_an_account_without_an_incassocontract_gets_its_file_rejected(client, bank, world, clock):
    token = consent_token(client, world, iban=world.creditor_other, scope=BATCH_SCOPE)
    xml = sdd_file(world, COLLECTION, three_debits(world), IBAN=world.creditor_other)

    answer = _instruction(send_batch(client, world, token, xml))

    assert answer["status"] == "REJECTED"
    (error,) = answer["errors"]
    assert error["element"] == f"{ROOT}/PmtInf/CdtrAcct/Id/IBAN" and "no direct-debit contract" in error["message"]
    _nothing_happens(client, bank, world, clock)


def test_a_creditor_id_other_than_the_contracts_is_rejected(client, world, token):
    xml = sdd_file(world, COLLECTION, three_debits(world), creditor_id="NL32ZZZ876543210000")

    answer = _instruction(send_batch(client, world, token, xml))

    assert answer["errors"][0]["element"] == f"{ROOT}/PmtInf/CdtrSchmeId/Id/PrvtId/Othr/Id"
    assert "contract" in answer["errors"][0]["message"]


ENVELOPES = {
    "not base64": ("this is not base64!", "MESSAGE_BAI556_0013"),
    "not gzip": (base64.b64encode(b"<?xml version='1.0'?><Document/>").decode(), "MESSAGE_BAI556_0015"),
    "broken gzip": (
        base64.b64encode(gzip.compress(b"<?xml version='1.0'?>" * 50)[:40]).decode(),
        "MESSAGE_BAI556_0015",
    ),
    "not XML": (pack(b"MsgId;Amount\nINV-1;121.00\n"), "MESSAGE_BAI556_0003"),
    "not a pain file": (pack(b"<?xml version='1.0'?><invoice><total>1</total></invoice>"), "MESSAGE_BAI556_0016"),
    "a credit-transfer file": (
        pack(b"<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'/>"),
        "MESSAGE_BAI556_0016",
    ),
    "empty": ("", "MESSAGE_BAI556_0013"),
}


@pytest.mark.parametrize("variant", list(ENVELOPES))
def test_an_envelope_the_bank_cannot_open_is_a_400_and_nothing_is_stored(client, bank, world, token, clock, variant):
    file_data, code = ENVELOPES[variant]

    response = send_batch(client, world, token, file_data=file_data)

    error = assert_bank_error(response, 400, code)
    assert error["message"]
    _nothing_happens(client, bank, world, clock)


@pytest.mark.parametrize("name", ["", "a-name-longer-than-18.xml", "inc asso.xml", None])
def test_a_file_name_of_1_to_18_plain_characters_is_required(client, world, token, name):
    xml = sdd_file(world, COLLECTION, three_debits(world))

    assert_bank_error(send_batch(client, world, token, xml, file_name=name), 400, "MESSAGE_BAI556_0002")


def test_the_token_decides_who_may_send_a_file_for_which_account(client, world, token):
    xml = sdd_file(world, COLLECTION, three_debits(world))
    other_account = consent_token(client, world, iban=world.creditor_other, scope=BATCH_SCOPE)
    wrong_scope = consent_token(client, world, iban=world.creditor, scope="psd2:account:balance:read")
    credentials = client_credentials(client, world, scope=BATCH_SCOPE)

    assert_bank_error(send_batch(client, world, other_account, xml), 403, "MESSAGE_BAI556_0023")
    assert_bank_error(send_batch(client, world, wrong_scope, xml), 403, "MESSAGE_BAI556_0024")
    assert_bank_error(send_batch(client, world, credentials, xml), 403, "MESSAGE_BAI556_0022")
    assert_bank_error(send_batch(client, world, "not-a-token", xml), 401, "ERR_2002_002")
    assert_bank_error(
        client.post(
            "/v1/payments/batch",
            headers={"API-Key": world.api_key, "Authorization": f"Bearer {token}"},
            json={"fileName": "x.xml"},
        ),
        400,
        "ERR_1100_004",
    )
    assert client.get("/sandbox/sdd/batches").get_json()["batches"] == []
