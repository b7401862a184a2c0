"""Test support shared by every area: one place for helpers, constants and reusable fixtures.

Import from here (`from tests.support.people import HOME_AFFAIRS`), never from a conftest or from
another area's test modules. What each module holds is listed in tests/README.md.
"""
