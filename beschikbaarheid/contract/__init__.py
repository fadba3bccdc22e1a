"""Contract managers: compliance, waiting times, data quality, supply gaps, exports."""
