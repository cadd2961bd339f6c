"""Two databases that break the rules the policy pack enforces."""

import pulumi
import pulumi_aws as aws
from database_defaults import INSTANCE_CLASS

config = pulumi.Config()
common = {
    "engine": config.require("engine"),
    "instance_class": INSTANCE_CLASS,
    "allocated_storage": 20,
    "db_subnet_group_name": config.require("subnetGroupName"),
    "username": "admin",
    "skip_final_snapshot": True,
}

# Never encrypted at rest: storage_encrypted is left out; the password sits in config and state.
aws.rds.Instance("orders", password=config.require_secret("dbPassword"), **common)

# Encrypted, but with the AWS managed key: its snapshots can never be shared, its policy never edited.
aws.rds.Instance(
    "reports", storage_encrypted=True, kms_key_id="alias/aws/rds", manage_master_user_password=True, **common
)
