"""The world around the bank and the portal: composition root, front doors, CLI and pytest plugin.

>>> from scenarios import World
>>> with World(seed=42) as world, world.activate():
...     ...  # requests to https://api-sandbox.abnamro.com now reach the mock bank
"""

from scenarios.routing import Routing
from scenarios.server import RunningServer
from scenarios.server import start_server
from scenarios.server import start_server_process
from scenarios.world import Urls
from scenarios.world import World
from scenarios.world import mock_world

__all__ = ["Routing", "RunningServer", "Urls", "World", "mock_world", "start_server", "start_server_process"]
