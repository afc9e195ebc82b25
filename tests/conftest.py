from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import World, build_world, login


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_for(world: World):
    def make(persona: str) -> Client:
        return login(Client(), world.users[persona])

    return make


@pytest.fixture(autouse=True)
def _demo_mode(settings) -> None:
    """The tests run the demo-only commands (seed_demo, totp_code…) like `hongyixing demo` does."""
    settings.DEMO_MODE = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Argon2 is deliberately slow; tests of hashing itself override this back."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The live day's report figures are cached for a minute: each test starts without them."""
    from django.core.cache import cache

    cache.clear()
