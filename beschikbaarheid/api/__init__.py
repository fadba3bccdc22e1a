"""JSON API v1 (documented in openapi.yaml)."""
