"""The bank's HTTP views: each parses a request, calls one verb of a service, and shapes the answer."""
