"""The password every test account has, and the light argon2id hash the fixtures store for it.

Production hashes use pwdlib's recommended argon2id parameters (about 50 ms a hash and as long a
verification). Tests sign in hundreds of times, so the fixtures store a hash made with light
parameters instead. Verification reads the parameters from the hash itself, so each sign-in still
runs the real argon2id check; only the cost is lower. The production parameters are checked where
passwords are set (tests/test_cli.py, the accounts service), not here.
"""

from __future__ import annotations

from functools import cache

from pwdlib.hashers.argon2 import Argon2Hasher

PASSWORD = "correct horse battery"

# Real argon2id, one pass over 8 MiB: a few milliseconds instead of ~50.
LIGHT_HASHER = Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@cache
def light_hash(password: str = PASSWORD) -> str:
    """One light argon2id hash of `password` per session (the salt is random, so it is cached to
    keep the hash every template and fixture stores the same)."""
    return LIGHT_HASHER.hash(password)
