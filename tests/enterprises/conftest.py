from __future__ import annotations

import pytest

from tests.enterprises.builders import Economy, build_economy
from tests.personas import World


@pytest.fixture
def economy(world: World) -> Economy:
    return build_economy(world)
