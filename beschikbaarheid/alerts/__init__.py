"""Referrers' plek-alerts: save a search from its results page, "Mijn zoekopdrachten", and the mail's stop and renew links."""
