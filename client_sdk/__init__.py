"""client_sdk package."""
