"""Administrators: catalogue, contracts, users, imports."""
