"""The web consoles' pages and APIs, one module per area; each imports only ``ivr.web.deps`` (and pure helpers)."""
