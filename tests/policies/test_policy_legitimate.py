"""A guardrail nobody needs to exempt: correct configurations pass with no violation at all.

Every kind in ``legitimate_stacks.KINDS`` (plus the program's own stacks and ``full_stack``, tested
in test_policy_protocol.py) is sent over the engine's gRPC protocol at preview, with every
provider-computed value unknown, and at update, on a development and a production stack.
"""

import pytest
from legitimate_stacks import KINDS, legitimate_stack
from stack_fixtures import as_preview


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
@pytest.mark.parametrize("kind", KINDS)
def test_legitimate_configuration_passes(fresh, kind, preview, stack):
    resources = legitimate_stack(kind, stack)
    verdicts = fresh.analyze_stack(as_preview(resources) if preview else resources, stack=stack)
    assert verdicts.violations == [], [str(v) for v in verdicts.violations]
    assert verdicts.remediated == {}
