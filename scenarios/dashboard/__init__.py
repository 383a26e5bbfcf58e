"""The rehearsal dashboard: the start page of ``mockbank serve``.

Server-rendered pages on the server's root app (a Flask blueprint): the simulated time and its controls,
what is due, every onboarding with its timeline and a time chart, the newest mail, the consents at the
bank, the test users, a new practice administration, and running a scenario or replacing the world.
It reads the world through the apps' service objects (``state``) and acts through ``actions``.
"""

from scenarios.dashboard.views import init_app

__all__ = ["init_app"]
