"""Dutch words for screens and mails of both servers: dates, numbers and euro amounts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from mockbank.sim.calendar import AMSTERDAM

DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_date(moment: dt.datetime | dt.date | None) -> str:
    """``5 april 2026``, on the Amsterdam calendar (screens and mails of both servers)."""
    if moment is None:
        return "-"
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(AMSTERDAM).date()
    return f"{moment.day} {DUTCH_MONTHS[moment.month - 1]} {moment.year}"


DUTCH_NUMBERS = ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien")


def dutch_number(value: int) -> str:
    """A small number in words, as the help article writes it ("vijf werkdagen")."""
    return DUTCH_NUMBERS[value] if 0 <= value < len(DUTCH_NUMBERS) else str(value)


def format_eur(cents: int) -> str:
    """An amount in cents the Dutch way, sign before the euro sign: ``€ 16.760,69``, ``-€ 12,50``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"


# What people type for an amount in a Dutch form: "0,01", "12", "1.250,50" (dots group thousands), and the
# "12.50" a keyboard habit gives (a dot followed by one or two digits can only be a decimal point).
_EUR_INPUT = re.compile(r"^(?:(?P<grouped>\d{1,3}(?:\.\d{3})+)|(?P<plain>\d+))(?:,(?P<cents>\d{1,2}))?$")
_EUR_DOT_DECIMAL = re.compile(r"^(?P<plain>\d+)\.(?P<cents>\d{1,2})$")


def parse_eur(text: str) -> int:
    """Cents of a euro amount typed the Dutch way (``0,01``, ``1.250,50``, ``€ 12``); ``ValueError`` otherwise.

    Never through a float: the digits are read as a ``Decimal``. Negative amounts and more than two decimals
    are refused.
    """
    value = "".join((text or "").split()).removeprefix("€").removeprefix("EUR")
    match = _EUR_INPUT.match(value) or _EUR_DOT_DECIMAL.match(value)
    if match is None:
        raise ValueError(f"not a euro amount: {text!r}")
    whole = (match.groupdict().get("grouped") or match.group("plain")).replace(".", "")
    cents = (match.group("cents") or "0").ljust(2, "0")
    return int(Decimal(whole) * 100 + Decimal(cents))


DUTCH_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def _local(moment: dt.datetime | dt.date) -> dt.datetime | dt.date:
    return moment.astimezone(AMSTERDAM) if isinstance(moment, dt.datetime) else moment


def numeric_date(moment: dt.datetime | dt.date | None, *, time: bool = False) -> str:
    """``05-04-2026`` (``05-04-2026 09:03`` with ``time``), on the Amsterdam calendar: eAccounting's tables."""
    if moment is None:
        return "-"
    local = _local(moment)
    text = f"{local.day:02d}-{local.month:02d}-{local.year}"
    if time and isinstance(local, dt.datetime):
        text += f" {local:%H:%M}"
    return text


def dutch_moment(moment: dt.datetime | None, *, weekday: bool = True, year: bool = True) -> str:
    """``ma 12 januari 2026 09:03`` in Amsterdam time (``weekday``/``year`` False leave those out)."""
    if moment is None:
        return "-"
    local = moment.astimezone(AMSTERDAM)
    parts = [DUTCH_WEEKDAYS[local.weekday()][:2]] if weekday else []
    parts += [str(local.day), DUTCH_MONTHS[local.month - 1]]
    if year:
        parts.append(str(local.year))
    return " ".join(parts) + f" {local:%H:%M}"


def dutch_month(month: str) -> str:
    """``januari 2026`` for ``2026-01``."""
    year, _, number = month.partition("-")
    return f"{DUTCH_MONTHS[int(number) - 1]} {year}"


def dutch_count(count: int, singular: str, plural: str) -> str:
    """``1 rekening``, ``3 rekeningen``: a number with the Dutch noun in the right form."""
    return f"{count} {singular if count == 1 else plural}"
