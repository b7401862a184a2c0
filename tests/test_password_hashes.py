"""Stored passwords are argon2id with the recommended parameters; the light test hash is only cheaper.

The fixtures give every test account a light argon2id hash (tests/support/passwords.py), so this
is the one place that checks what production stores and that both verify through the same code.
"""

from __future__ import annotations

from parflow.services.accounts import users
from parflow.services.common.runtime import Runtime
from tests.support.passwords import LIGHT_HASHER, PASSWORD


def test_set_password_stores_recommended_argon2id(rt: Runtime, mini: str) -> None:
    email = "ha@mini.example"
    rt.db.run(lambda s: users.set_password(s, email, "một mật khẩu dài"))
    with rt.db.read() as session:
        person = users.find_person(session, email)
        assert person is not None and person.password_hash is not None
        # pwdlib's recommended argon2id: 64 MiB, 3 passes, 4 lanes (not the tests' light ones)
        assert person.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert users.authenticate(session, email, "một mật khẩu dài") is not None
        assert users.authenticate(session, email, PASSWORD) is None


def test_the_light_test_hash_is_checked_by_the_same_code(rt: Runtime, mini: str) -> None:
    with rt.db.read() as session:
        person = users.find_person(session, "editor.a@mini.example")
        assert person is not None and person.password_hash is not None
        assert person.password_hash.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
        assert LIGHT_HASHER.verify(PASSWORD, person.password_hash)
        assert users.authenticate(session, "editor.a@mini.example", PASSWORD) is not None
        assert users.authenticate(session, "editor.a@mini.example", PASSWORD + "!") is None
