"""The portal's wizard (steps 5-7 and Klaar): Start, Gegevens, Koppeling, then Bankconsent, Rekeningen, Afronden.

``start_wizard`` chooses who goes through it (``ctx.wizard_person``, in their own browser).
"""

from __future__ import annotations

from client_sdk.portal import PortalWizard
from client_sdk.portal import WizardError
from scenarios.catalogue.roles import ACCOUNT_MANAGER
from scenarios.catalogue.roles import CONSENTED
from scenarios.catalogue.roles import PORTAL
from scenarios.catalogue.roles import think


def person(ctx) -> tuple[str, PortalWizard]:
    """(role, wizard) of the person going through the portal (``start_wizard`` chose them)."""
    return ctx.wizard_person, ctx.wizard(ctx.wizard_person)


def start_wizard(ctx, *, actor: str = ACCOUNT_MANAGER, link: str | None = None) -> None:
    """Portal (step 5): open "Koppel je bankrekening" (the link with the serial) and press Start."""
    ctx.wizard_person = actor
    wizard = ctx.wizard(actor)
    think(ctx)
    with ctx.step(actor, "open the portal link and press Start") as step:
        if link is None:
            wizard.start(ctx.serial_number)
        else:
            wizard.user.open(link)
            wizard.user.follow_link("start")
        ctx.expect(wizard.current_step() == "gegevens", f"the wizard shows {wizard.current_step()!r}, not Gegevens")
        serial = wizard.user.page.find(id="serial")
        filled = serial.get("value") if serial is not None else None
        if link is None or "licentienummer=" in link:
            ctx.expect(filled == ctx.serial_number, f"Licentienummer shows {filled!r}, not {ctx.serial_number}")
        step.outcome = "Gegevens, licentienummer ingevuld" if filled else "Gegevens"


def fill_details(ctx, *, kvk_number: str | None = None) -> None:
    """Portal (step 6) Gegevens: KvK-nummer (the name comes from the register), eAccounting, licentienummer,
    ABN AMRO, both terms; the registration moves to ``details``."""
    actor, wizard = person(ctx)
    company = ctx.company
    number = kvk_number or company.kvk_number
    think(ctx)
    with ctx.step(actor, f"Gegevens: KvK {number}, eAccounting, licentienummer {ctx.serial_number}, ABN AMRO") as step:
        wizard.fill_details(kvk_number=number, serial_number=ctx.serial_number)
        registration = ctx.portal.timeline(ctx.serial_number)["registration"]
        ctx.expect(registration["state"] == "details", f"the registration is {registration['state']}, not details")
        ctx.expect(
            registration["companyName"] == company.name,
            f"Bedrijfsnaam is {registration['companyName']!r}, not {company.name!r}",
        )
        step.outcome = f"Bedrijfsnaam {registration['companyName']}; on to Koppeling"


def fill_contact(ctx) -> None:
    """Portal (step 7) Koppeling: the rekeningbeheerder's name and e-mail address."""
    actor, wizard = person(ctx)
    company = ctx.company
    think(ctx)
    with ctx.step(actor, f"Koppeling: {company.person}, {company.email}") as step:
        wizard.fill_contact(name=company.person, email=company.email)
        ctx.expect(wizard.current_step() == "bankconsent", "the wizard did not move on to Bankconsent")
        links = wizard.bank_links()
        step.outcome = f"Bankconsent: start at ABN AMRO ({links['bank-registration']})"
    ctx.remember("rekeningbeheerder", {"name": company.person, "email": company.email})


def walk_wizard(ctx, *, actor: str = ACCOUNT_MANAGER, link: str | None = None) -> None:
    """Portal (steps 5-7): Start, Gegevens and Koppeling; the wizard then waits for the bank."""
    start_wizard(ctx, actor=actor, link=link)
    fill_details(ctx)
    fill_contact(ctx)


def finish_wizard(ctx) -> dict[str, str]:
    """Portal: Bankconsent -> Volgende, Rekeningen -> Volgende, Klaar -> Afronden; the registration is ``done``."""
    actor, wizard = person(ctx)
    think(ctx)
    with ctx.step(actor, "Bankconsent -> Volgende") as step:
        wizard.next_after_consent()
        shown = wizard.linked_accounts()
        step.outcome = "Rekeningen: " + ", ".join(f"{iban} {state}" for iban, state in shown.items())
    think(ctx)
    with ctx.step(actor, "Rekeningen -> Volgende") as step:
        wizard.confirm_accounts()
        next_steps = wizard.text("next-steps") or ""
        ctx.expect("vijf werkdagen" in next_steps, "Klaar does not promise the activation mail in vijf werkdagen")
        step.outcome = "Klaar: activation mail per account in about vijf werkdagen"
    with ctx.step(actor, "Klaar -> Afronden") as step:
        wizard.finish()
        step.outcome = wizard.text("finished")
    return expect_registration(ctx, "done", linked=list(shown))


def expect_registration(ctx, state: str, *, linked: list[str] = ()) -> dict[str, str]:
    """Visma portal: the registration is in ``state``; exactly the IBANs ``linked`` have a link, each past consent
    and before its activation mail. Returns IBAN -> link state."""
    with ctx.step(PORTAL, f"registration {ctx.serial_number}") as step:
        timeline = ctx.portal.timeline(ctx.serial_number)
        registration = timeline["registration"]
        found = {link["iban"]: link["state"] for link in timeline["links"]}
        ctx.expect(registration["state"] == state, f"the registration is {registration['state']}, not {state}")
        ctx.expect(sorted(found) == sorted(linked), f"the account links are {found}, not of {list(linked)}")
        late = {iban: link_state for iban, link_state in found.items() if link_state not in CONSENTED}
        ctx.expect(not late, f"links not waiting for their activation mail: {late}")
        consents = [
            {"id": c["id"], "iban": c["iban"], "status": c["status"]}
            for c in ctx.bank.consents(client_id=ctx.portal.bank_client()["clientId"])
        ]
        step.outcome = f"{state}; " + (", ".join(f"{i} {s}" for i, s in found.items()) or "no account linked")
    ctx.remember(
        "registration",
        {
            "serialNumber": ctx.serial_number,
            "state": registration["state"],
            "kvkNumber": registration["kvkNumber"],
            "companyName": registration["companyName"],
            "contactName": registration["contactName"],
            "contactEmail": registration["contactEmail"],
            "links": [
                {
                    "iban": link["iban"],
                    "state": link["state"],
                    "flow": link["flow"],
                    "bankAccountId": link["bankAccountId"],
                }
                for link in timeline["links"]
            ],
            "states": [event["state"] for event in registration["events"]],
        },
    )
    ctx.remember("consents", consents)
    return found


def wizard_refuses_details(ctx, *, kvk_number: str, field_name: str) -> str:
    """Portal Gegevens with a value the portal refuses: the step stays at Gegevens, the message at the field."""
    actor, wizard = person(ctx)
    think(ctx)
    with ctx.step(actor, f"Gegevens: KvK {kvk_number}, eAccounting, licentienummer {ctx.serial_number}") as step:
        try:
            wizard.fill_details(kvk_number=kvk_number, serial_number=ctx.serial_number)
        except WizardError as refused:
            message = refused.field_errors.get(field_name, "")
            ctx.expect(message, f"no message at {field_name}: {refused.field_errors}")
            ctx.expect(wizard.current_step() == "gegevens", "the wizard left Gegevens")
            step.outcome = f"{field_name}: {message}"
            return message
        ctx.expect(False, f"the portal accepted KvK {kvk_number}")
    return ""
