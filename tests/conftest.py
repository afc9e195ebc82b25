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
