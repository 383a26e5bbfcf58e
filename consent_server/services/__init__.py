"""The portal's domain services: no Flask request in here, only the database, the clock and the bank over HTTP."""
