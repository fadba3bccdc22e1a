"""Login throttling per account: how long someone must wait after failed passwords for one address.

Counted per typed e-mail address, whether or not it has an account, so the answers never tell which
addresses exist. The first `free_attempts` failures cost nothing; each further failure doubles the
wait, starting at `backoff_seconds`; from `lock_after` failures the address is locked for
`lock_seconds` after every further failure (the user gets a mail when the lock starts). The count is
forgotten `forget_seconds` after the last failure, and at a successful login or password reset.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    free_attempts: int = 5
    backoff_seconds: int = 2
    lock_after: int = 10
    lock_seconds: int = 15 * 60
    forget_seconds: int = 24 * 3600


def wait_after(failures: int, policy: Policy) -> int:
    """Seconds to wait after the `failures`-th failure in a row before the next try."""
    if failures < policy.free_attempts:
        return 0
    if failures >= policy.lock_after:
        return policy.lock_seconds
    return min(policy.backoff_seconds * 2 ** (failures - policy.free_attempts), policy.lock_seconds)


def is_forgotten(last_failure_at: dt.datetime, now: dt.datetime, policy: Policy) -> bool:
    """Failures this old no longer count."""
    return (now - last_failure_at).total_seconds() >= policy.forget_seconds


def seconds_to_wait(failures: int, last_failure_at: dt.datetime | None, now: dt.datetime, policy: Policy) -> int:
    """How long (whole seconds, rounded up) until this address may try again; 0 when it may now."""
    if not failures or last_failure_at is None or is_forgotten(last_failure_at, now, policy):
        return 0
    remaining = wait_after(failures, policy) - (now - last_failure_at).total_seconds()
    return max(0, int(-(-remaining // 1)))


def starts_lock(failures: int, policy: Policy) -> bool:
    """True for the failure that locks the address (when the user is told by mail)."""
    return failures == policy.lock_after
