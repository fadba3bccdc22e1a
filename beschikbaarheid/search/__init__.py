"""Referrers: search contracted offerings by need, age, target group and place."""
