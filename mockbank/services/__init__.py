"""The bank's domain services: the ledger, consents and tokens, the login journey, decisions, faults,
registrations and the demo world. They know no Flask request; the views call them."""
