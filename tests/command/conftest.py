import pytest

from tests.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    """The cast with its push list (the supervision list reads verification tasks too)."""
    return build_world()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
