"""Tests of the world: composition root, front doors, CLI and pytest plugin."""
