"""consent_server package."""
