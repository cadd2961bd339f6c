"""The policy pack as the engine runs it, shared by the protocol test modules."""

import pytest

from offline.policy_gate import PolicyPackProcess


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess() as process:
        yield process


@pytest.fixture
def fresh(pack):
    """The module's pack, configured with nothing but the schema defaults."""
    pack.configure({})
    return pack
