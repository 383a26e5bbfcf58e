"""What every service of the portal is given: the backend's state holders and its typed settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from consent_server.settings import PortalSettings
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.ids import Ids
from mockbank.sim.jobs import DueJobQueue


@dataclass(frozen=True)
class Kernel:
    """The database, clock, ids and due jobs of one portal, and how to read its current settings."""

    db: Database
    clock: SimClock
    ids: Ids
    jobs: DueJobQueue
    current_settings: Callable[[], PortalSettings]


class Service:
    """A service object: the kernel's parts as attributes, the settings read fresh on every use."""

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.db = kernel.db
        self.clock = kernel.clock
        self.ids = kernel.ids
        self.jobs = kernel.jobs

    @property
    def settings(self) -> PortalSettings:
        """The portal's settings now (a served world may move its base URLs after start)."""
        return self.kernel.current_settings()
