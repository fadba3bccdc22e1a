"""Small per-process caches of values that never go stale (their key holds everything they depend on)."""
from __future__ import annotations


def keep(cache: dict, key, value, limit: int):
    """Store `value` under `key` and return it; a cache that reached `limit` entries is emptied first.

    Callers look up with ``cache.get(key)`` themselves (the hit path stays one dict lookup) and call
    this on a miss. Emptying instead of evicting one by one keeps it lock-free: under concurrent
    requests the worst case is a value built twice.
    """
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
