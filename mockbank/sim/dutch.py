"""Dutch words for screens and mails of both servers: dates, numbers and euro amounts."""

from __future__ import annotations

import datetime as dt

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
