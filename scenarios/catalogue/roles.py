"""Who acts on a scenario's timeline, the words steps use, and the pause a person takes between clicks."""

from __future__ import annotations

# Roles on the timeline (the seed's own words where it has them).
USER = "eAccounting-gebruiker"
ACCOUNT_MANAGER = "Rekeningbeheerder"
BANK = "ABN AMRO"
PORTAL = "Visma portal"
FIRM = "Administratiekantoor"
CLIENT = "Cliënt"
KVK = "KvK"
PHONE = "ABN AMRO app"

SOFTWARE = "Visma eAccounting"
LOGIN_WORDS = {"edentifier": "the e.dentifier", "app": "the ABN AMRO app", "access_online": "Access Online"}
ACCOUNT_WORDS = {
    "current": "Rekening-courant",
    "savings": "Spaarrekening",
    "cash": "Kasrekening",
    "second": "tweede Rekening-courant",
}
# A link whose consent is in and whose activation mail is not sent yet (the mail waits about five werkdagen).
CONSENTED = ("consented", "activation_scheduled")


def think(ctx, low: int = 20, high: int = 90) -> None:
    """A person takes a moment before the next click: simulated seconds drawn from the seed."""
    ctx.advance(seconds=ctx.fake.random_int(low, high))
