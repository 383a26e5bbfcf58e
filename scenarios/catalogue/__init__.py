"""The catalogue of onboarding scenarios: small functions ``(ctx, fake)`` registered by name.

Write one in a few lines::

    from scenarios.catalogue import scenario
    from scenarios.catalogue.steps import onboard_up_to_consent  # or any step of steps.py

    @scenario("my_scenario", "One line saying what it shows")
    def my_scenario(ctx, fake):
        onboard_up_to_consent(ctx)
        with ctx.step("Rekeningbeheerder", "look at the registration") as step:
            state = ctx.portal.timeline(ctx.serial_number)["registration"]["state"]
            ctx.expect(state == "done", f"the registration is {state}")
            step.outcome = state

and run it with ``mockbank scenario run my_scenario`` or ``run_scenario(world, "my_scenario", seed=7)``.
"""

from __future__ import annotations

from scenarios.catalogue import after_consent  # noqa: F401  (registers the scenarios after consent)
from scenarios.catalogue import incasso  # noqa: F401  (registers the direct-debit scenarios)
from scenarios.catalogue import onboarding  # noqa: F401  (registers the scenarios up to consent)
from scenarios.catalogue.registry import Scenario
from scenarios.catalogue.registry import UnknownScenario
from scenarios.catalogue.registry import all_scenarios
from scenarios.catalogue.registry import get
from scenarios.catalogue.registry import names
from scenarios.catalogue.registry import scenario
from scenarios.catalogue.registry import unregister

__all__ = ["Scenario", "UnknownScenario", "all_scenarios", "get", "names", "scenario", "unregister"]
