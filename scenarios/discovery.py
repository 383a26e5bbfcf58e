"""Where a run goes: the base URLs of a ``World``, a ``RunningServer`` or a server's URL (its well-known document)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import requests

from scenarios.outcome import ScenarioError
from scenarios.urls import Urls

WELL_KNOWN = "/.well-known/mockbank"


def urls_from_well_known(doc: dict) -> Urls:
    """The base URLs a server's ``/.well-known/mockbank`` names."""
    bank, portal = doc.get("bank"), doc.get("portal")
    if not bank:
        raise ScenarioError("the well-known document names no bank")
    if not portal:
        raise ScenarioError("this world has no portal (World(portal=False)); scenarios need both apps")
    return Urls(
        bank_api=bank["api"],
        bank_auth=bank["auth"],
        bank_token=bank["token"],
        eaccounting_api=portal["eaccountingApi"],
        eaccounting=portal["eaccounting"],
        portal=portal["portal"],
        kvk=portal["kvk"],
    )


def well_known(url: str) -> dict:
    """A server's ``/.well-known/mockbank`` document; ``ScenarioError`` when it is not a mockbank server."""
    target = url.rstrip("/") + WELL_KNOWN
    try:
        response = requests.get(target, timeout=10)
    except requests.RequestException as exc:
        raise ScenarioError(f"no mockbank server at {url}: {exc}") from exc
    if not response.ok:
        raise ScenarioError(f"{target} answered HTTP {response.status_code}: is this a mockbank server?")
    try:
        return response.json()
    except ValueError as exc:
        raise ScenarioError(f"{target} did not answer JSON: is this a mockbank server?") from exc


@contextlib.contextmanager
def front_door(target) -> Iterator[tuple[Urls, str]]:
    """(base URLs, front door name) of a target: a ``World`` (routed in-process while the run lasts, or
    served at its base URL), a ``RunningServer``, or a server's URL."""
    world_module = sys.modules.get("scenarios.world")
    if world_module is not None and isinstance(target, world_module.World):
        if target.portal_app is None:
            raise ScenarioError("this world has no portal (World(portal=False)); scenarios need both apps")
        if target.base_url is None:
            with target.activate():
                yield target.urls, "inprocess"
        else:
            yield target.urls, "server"
        return
    url = getattr(target, "url", target)
    if not isinstance(url, str):
        raise TypeError(f"run a scenario against a World, a RunningServer or a server URL, not {type(target).__name__}")
    yield urls_from_well_known(well_known(url)), "server"
