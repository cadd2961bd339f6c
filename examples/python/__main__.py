"""An encrypted PostgreSQL database and a read replica, with the components as Python classes.

This example lives in the package's repository and imports ``components`` from it. A Python stack
elsewhere either adds the package like any other language (``pulumi package add
github.com/example-org/encrypted-rds/components@0.2.0``, then ``import pulumi_encryptedrds``) or
puts this repository on its path at a release tag.
"""

import sys
from pathlib import Path

import pulumi

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from components import EncryptedDatabase, EncryptedReadReplica, EncryptionKey

config = pulumi.Config()

# A customer managed key with rotation: storage, backups, snapshots, the replica and the master
# secret are all encrypted with it.
key = EncryptionKey(
    "orders-key",
    {"alias": "alias/orders-db", "description": "Orders database", "deletion_window_days": 30},
)

database = EncryptedDatabase(
    "orders-db",
    {
        "kms_key_arn": key.key_arn,
        "engine": "postgres",
        "engine_version": "16",
        "instance_class": "db.t4g.medium",
        "identifier": "orders-db",
        "subnet_ids": config.require_object("subnetIds"),
        "vpc_security_group_ids": config.require_object("securityGroupIds"),
        # AWS cannot create a read replica of a source whose password Secrets Manager manages
        # (except SQL Server): the password is generated and sent through write-only inputs instead.
        "password_mode": "write-only",
        "backup_retention_days": 7,
        "tags": {"App": "orders"},
    },
)

# Same region: the replica is encrypted with the source's key. Python stacks get the source_*
# arguments from the database itself.
replica = EncryptedReadReplica(
    "orders-replica",
    {
        **database.replica_source(),
        "instance_class": "db.t4g.medium",
        "identifier": "orders-replica",
        "vpc_security_group_ids": config.require_object("securityGroupIds"),
    },
)

pulumi.export("endpoint", database.endpoint)
pulumi.export("replicaEndpoint", replica.endpoint)
pulumi.export("masterSecretArn", database.master_user_secret_arn)
pulumi.export("kmsKeyArn", key.key_arn)
