"""The simulation kernel: what both servers of a world stand on, one copy of each.

The clock and its calendars, due jobs, the database base with its schema check, seeded ids, money
parsing and Dutch formatting, the sandbox APIs' shared parsers and typed settings. ``consent_server``
may import this subpackage and nothing else of ``mockbank``.
"""
