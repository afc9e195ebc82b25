import pytest

from tests.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    """The cast without the shared push list: these tests make their own."""
    return build_world(push_list=False)
