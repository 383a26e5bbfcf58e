"""The scenario registry: each scenario is a function ``(ctx, fake)`` registered by name with a one-line description."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ScenarioFunction = Callable[..., None]


@dataclass(frozen=True)
class Scenario:
    """A registered scenario: its name, its one-line description and the function that plays it."""

    name: str
    description: str
    func: ScenarioFunction

    def __call__(self, ctx, fake) -> None:
        """Play the scenario on a context (``run_scenario`` does this after bringing the world to a known state)."""
        self.func(ctx, fake)


class UnknownScenario(LookupError):
    """No scenario of that name; the message lists the names that exist."""

    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = known
        super().__init__(f"unknown scenario {name!r}; known scenarios: {', '.join(known) or 'none'}")


_REGISTRY: dict[str, Scenario] = {}


def scenario(name: str, description: str) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register the decorated ``func(ctx, fake)`` as scenario ``name``; the function itself is returned unchanged."""
    if not name or not name.replace("_", "").isalnum() or name != name.lower():
        raise ValueError(f"a scenario name is lower_snake_case: {name!r}")
    if not description or "\n" in description:
        raise ValueError(f"scenario {name!r} needs a one-line description")

    def register(func: ScenarioFunction) -> ScenarioFunction:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"scenario {name!r} is already registered")
        _REGISTRY[name] = Scenario(name, description, func)
        return func

    return register


def unregister(name: str) -> None:
    """Forget a scenario (tests register throwaway ones)."""
    _REGISTRY.pop(name, None)


def get(name: str) -> Scenario:
    """The scenario called ``name``; ``UnknownScenario`` lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownScenario(name, names()) from None


def names() -> list[str]:
    """Every registered name, in registration order (the catalogue's reading order)."""
    return list(_REGISTRY)


def all_scenarios() -> list[Scenario]:
    """Every registered scenario, in registration order."""
    return list(_REGISTRY.values())
