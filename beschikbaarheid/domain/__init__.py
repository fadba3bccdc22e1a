"""Pure domain logic (no Flask imports): scoring, places, freshness, compliance, plausibility."""
