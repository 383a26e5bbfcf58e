"""In-process routing registers exactly one ``responses`` callback per (host, HTTP method), so a callback is never
used up (``responses`` removes a matched registration only when another one matches too)."""

from __future__ import annotations

import requests
import responses

from scenarios.routing import HTTP_METHODS
from scenarios.world import World


def test_one_callback_per_host_and_method_serves_every_request():
    world = World(seed=None)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            world.routing.add_to(mock)
            registered = [(r.method, r.url.pattern) for r in mock.registered()]
            assert len(registered) == len(set(registered)) == len(world.hosts()) * len(HTTP_METHODS)
            # The token port shares the auth host's callbacks (the bank answers every path on every host of its own);
            # many calls in a row are all answered.
            for _ in range(5):
                assert requests.get("https://auth-sandbox.connect.abnamro.com:8443/sandbox/clock").status_code == 200
                assert requests.get("https://api-sandbox.abnamro.com/sandbox/clock").status_code == 200
            assert len(mock.registered()) == len(registered)
    finally:
        world.close()
