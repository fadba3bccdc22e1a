"""Providers: keep free places, waiting times and intake status current."""
