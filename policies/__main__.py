"""Entry point the Pulumi engine runs (``python -u -m pulumi.policy <engine> <this folder>``).

``PolicyPack`` starts the gRPC server and never returns, so nothing else may live here.
"""

import gc
import sys

from pulumi_policy import EnforcementLevel, PolicyPack
from pulumi_policy.version import VERSION
from rdsguard import analyzer, build_policies

if not analyzer.install():
    print(
        f"encrypted-rds-guard: pulumi-policy {VERSION} changed the internals its fast Analyzer relies on; "
        "serving with the SDK's own decoding (correct, slower). Pin pulumi-policy as in requirements.txt.",
        file=sys.stderr,
    )
# The ~40,000 objects imported so far live as long as the pack: keep the collections a large
# AnalyzeStack request triggers from rescanning them (tens of milliseconds each).
gc.freeze()
PolicyPack(
    name="encrypted-rds-guard",
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Rejects RDS resources that would be unencrypted or on the wrong KMS key.",
    provider="aws",
    tags=["aws", "rds", "kms", "encryption"],
)
