"""The picture of an onboarding: an inline SVG time chart, rendered on the server (no JavaScript).

One row for the registration and one per account link; each state a coloured bar from the moment it
began to the next one (or now), mails as small diamonds, "nu" as a red line, and what a link waits for
as a dashed bar to its expected moment. Every bar has a ``<title>`` (a tooltip, read by screen readers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

from consent_server.services.connections import LINK_LABELS
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.dutch import DUTCH_MONTHS
from mockbank.sim.dutch import dutch_moment

WIDTH = 860
LABEL = 170
ROW = 30
BAR = 16
TOP = 24
RIGHT = 16

COLOURS = {
    # the registration (the wizard's steps)
    "prepared": "#9fb7c9",
    "details": "#7fa3bd",
    "contact": "#5f8fb1",
    "bank_consent": "#3f7ba5",
    "accounts": "#2a6a99",
    "done": "#1b5a8a",
    # an account link
    "requested": "#c9c9c9",
    "consented": "#f3dc8e",
    "activation_scheduled": "#f3c35c",
    "activation_sent": "#f09a3e",
    "activated": "#9ccf8f",
    "active": "#3f9d4f",
    "failing": "#d9534f",
    "rejected": "#8a8a8a",
    "expired": "#8a8a8a",
    "revoked": "#8a8a8a",
}
REGISTRATION_WORDS = {
    "prepared": "Serienummer uitgegeven",
    "details": "Gegevens",
    "contact": "Koppeling",
    "bank_consent": "Bankconsent",
    "accounts": "Rekeningen",
    "done": "Klaar",
}
LEGEND = (
    ("Wizard", "#5f8fb1"),
    ("Wacht op activatiemail", COLOURS["activation_scheduled"]),
    ("Activatiemail verstuurd", COLOURS["activation_sent"]),
    ("Geactiveerd", COLOURS["activated"]),
    ("Actief", COLOURS["active"]),
    ("Storing", COLOURS["failing"]),
    ("Beëindigd", COLOURS["expired"]),
)


@dataclass(frozen=True)
class Chart:
    """The SVG and its legend."""

    svg: Markup
    legend: tuple[tuple[str, str], ...] = LEGEND


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(AMSTERDAM).date()


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), AMSTERDAM)


def onboarding_chart(events, links, *, now: dt.datetime, key: str = "") -> Chart:
    """The time chart of one registration (its timeline ``events`` and its ``links``) up to ``now``."""
    moments = [e.at for e in events] + [now]
    moments += [link.expected.at for link in links if link.expected is not None]
    start = _midnight(_day(min(moments)))
    end = _midnight(_day(max(moments)) + dt.timedelta(days=1))
    span = (end - start).total_seconds()
    plot = WIDTH - LABEL - RIGHT

    def x(moment: dt.datetime) -> float:
        return round(LABEL + plot * (moment - start).total_seconds() / span, 1)

    rows: list[tuple[str, list]] = [("Registratie", [e for e in events if e.subject == "registration"])]
    rows += [(link.iban, [e for e in events if e.subject == "link" and e.iban == link.iban]) for link in links]
    height = TOP + ROW * len(rows) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title-{escape(key)}">',
        f'<title id="chart-title-{escape(key)}">{escape(_summary(events, links, now))}</title>',
    ]
    parts += _axis(start, end, x, height)
    for index, (name, row_events) in enumerate(rows):
        y = TOP + ROW * index + (ROW - BAR) / 2
        parts.append(f'<text x="4" y="{y + BAR - 3}" class="row-label">{escape(name)}</text>')
        states = [e for e in row_events if e.state in COLOURS]
        for i, event in enumerate(states):
            until = states[i + 1].at if i + 1 < len(states) else now
            left, right = x(event.at), x(max(until, event.at))
            width = max(right - left, 2)
            words = REGISTRATION_WORDS.get(event.state) if index == 0 else LINK_LABELS.get(event.state)
            tip = f"{words or event.state}: vanaf {dutch_moment(event.at, year=False)}"
            parts.append(
                f'<rect x="{left}" y="{y}" width="{round(width, 1)}" height="{BAR}" rx="2" '
                f'fill="{COLOURS[event.state]}" data-state="{escape(event.state)}"><title>{escape(tip)}</title></rect>'
            )
        if index:
            link = links[index - 1]
            if link.expected is not None and link.expected.at > now:
                left, right = x(now), x(link.expected.at)
                tip = f"{link.expected.label}: {dutch_moment(link.expected.at, year=False)}"
                parts.append(
                    f'<g class="expected" data-kind="{escape(link.expected.kind)}"><title>{escape(tip)}</title>'
                    f'<line x1="{left}" y1="{y + BAR / 2}" x2="{right}" y2="{y + BAR / 2}" stroke="#555" '
                    f'stroke-dasharray="4 3"/><circle cx="{right}" cy="{y + BAR / 2}" r="5" fill="#fff" '
                    f'stroke="#555" stroke-width="2"/></g>'
                )
        for mail in (e for e in events if e.subject == "mail" and (e.iban == name if index else e.iban is None)):
            cx, cy = x(mail.at), y - 3
            parts.append(
                f'<path d="M{cx} {cy - 4} l4 4 -4 4 -4 -4z" fill="#1b384c" class="mail">'
                f"<title>{escape('E-mail: ' + mail.detail + ', ' + dutch_moment(mail.at, year=False))}</title></path>"
            )
    now_x = x(now)
    parts.append(
        f'<line x1="{now_x}" y1="{TOP - 6}" x2="{now_x}" y2="{height - 4}" stroke="#c0392b" stroke-width="2" '
        f'class="now"><title>Nu: {escape(dutch_moment(now))}</title></line>'
    )
    parts.append(f'<text x="{now_x + 3}" y="{TOP - 8}" class="now-label">nu</text>')
    parts.append("</svg>")
    return Chart(Markup("".join(parts)))


def _axis(start: dt.datetime, end: dt.datetime, x, height: int) -> list[str]:
    """Day lines with ``5 jan`` labels (a label every week when the chart spans weeks)."""
    days = (end.date() - start.date()).days
    every = 1 if days <= 16 else 7
    parts = []
    day = start.date()
    while day < end.date():
        left = x(_midnight(day))
        weekend = day.weekday() >= 5
        parts.append(
            f'<line x1="{left}" y1="{TOP - 4}" x2="{left}" y2="{height - 4}" '
            f'stroke="{"#e6e6e6" if weekend else "#efefef"}"/>'
        )
        if (day - start.date()).days % every == 0:
            parts.append(f'<text x="{left + 2}" y="12" class="tick">{day.day} {DUTCH_MONTHS[day.month - 1][:3]}</text>')
        day += dt.timedelta(days=1)
    return parts


def _summary(events, links, now: dt.datetime) -> str:
    """The chart in one sentence, for whoever does not see it."""
    states = ", ".join(f"{link.iban} {LINK_LABELS.get(link.state, link.state).lower()}" for link in links)
    first = min((e.at for e in events), default=now)
    return (
        f"Tijdlijn vanaf {dutch_moment(first, year=False)} tot nu ({dutch_moment(now, year=False)}). {states}".strip()
    )
