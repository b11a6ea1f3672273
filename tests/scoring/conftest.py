import pytest
from scoring_fixtures import make_framework

from parindex.framework.model import Framework


@pytest.fixture
def fw() -> Framework:
    return make_framework()
