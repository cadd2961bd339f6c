"""Entry point the Pulumi engine runs (``python -u -m pulumi.policy <engine> <this folder>``).

``PolicyPack`` starts the gRPC server and never returns, so nothing else may live here.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from rdsguard import build_policies

PolicyPack(
    name="encrypted-rds-guard",
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Rejects RDS resources that would be unencrypted or on the wrong KMS key.",
    provider="aws",
    tags=["aws", "rds", "kms", "encryption"],
)
