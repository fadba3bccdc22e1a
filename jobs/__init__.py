"""Scheduler process and its job functions (thin: they call domain services)."""
