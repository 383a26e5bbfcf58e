"""HTTP views: one blueprint a module; each asks the portal's services through ``consent_server.web.portal()``."""
