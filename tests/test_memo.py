"""memo.keep: store and return, emptying a full cache first."""
from beschikbaarheid.memo import keep


def test_keep_stores_and_empties_a_full_cache_first():
    cache: dict = {}
    assert keep(cache, "a", 1, 2) == 1 and keep(cache, "b", 2, 2) == 2
    assert cache == {"a": 1, "b": 2}
    assert keep(cache, "c", 3, 2) == 3
    assert cache == {"c": 3}
