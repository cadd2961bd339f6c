"""The key policy of a customer managed key for RDS, as a pure function."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# The key administrator actions of the KMS default key policy:
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
# They exclude the cryptographic operations, but not access to data: kms:Put* (PutKeyPolicy) and
# kms:Create* (CreateGrant) let an administrator give itself or anyone else use of the key, so an
# administrator is as privileged as a key user, and its role must be guarded as such.
ADMINISTRATOR_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
]
# What an AWS service integrated with KMS (RDS, Secrets Manager) or a key user needs for envelope
# encryption: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-users
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
GRANT_FOR_AWS_RESOURCE = {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def _account_root(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def _via_service(sid: str, service: str, account_id: str, region: str) -> dict[str, Any]:
    """Any principal of this account, but only through the named service in the key's region.

    This is how AWS's own managed keys (aws/rds, aws/secretsmanager) are scoped: the wildcard
    principal is bounded by kms:CallerAccount and kms:ViaService, so nobody can call KMS directly
    with it. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    """
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": [*USE_ACTIONS, "kms:CreateGrant", "kms:ListGrants"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": account_id,
                "kms:ViaService": f"{service}.{region}.amazonaws.com",
            }
        },
    }


def rds_key_policy(
    account_id: str,
    region: str,
    partition: str = "aws",
    administrator_arns: Sequence[str] = (),
    user_arns: Sequence[str] = (),
    shared_account_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """The key policy for a customer managed key that encrypts RDS resources.

    - the account root administers the key, so IAM policies in the account stay effective and the
      key can never become unmanageable (KMS default key policy);
    - RDS, and Secrets Manager for the RDS-managed master user secret, may use the key only when
      called from this account through that service in the key's region;
    - optional administrators manage the key (policy, grants, rotation, enabling, scheduling
      deletion) but cannot call cryptographic operations directly; through PutKeyPolicy and
      CreateGrant they can still give themselves or others use of the key;
    - optional users may use the key, and create grants only for AWS resources;
    - optional accounts that receive shared snapshots get the two statements AWS documents for
      sharing (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html),
      with kms:CreateGrant only in the one conditioned on grants for AWS resources.
    """
    root = _account_root(partition, account_id)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "EnableAccountRootAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        _via_service("AllowRdsUseInThisAccount", "rds", account_id, region),
        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html: the master
        # user secret is encrypted by Secrets Manager with the key given in MasterUserSecretKmsKeyId.
        _via_service("AllowSecretsManagerUseForMasterUserSecret", "secretsmanager", account_id, region),
    ]
    if administrator_arns:
        statements.append(
            {
                "Sid": "AllowKeyAdministrators",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(administrator_arns)},
                "Action": ADMINISTRATOR_ACTIONS,
                "Resource": "*",
            }
        )
    if user_arns:
        statements.extend(_data_access_statements("KeyUsers", sorted(user_arns)))
    if shared_account_ids:
        accounts = [_account_root(partition, account) for account in sorted(shared_account_ids)]
        statements.extend(_data_access_statements("SnapshotShareAccounts", accounts))
    return {"Version": "2012-10-17", "Id": "rds-customer-managed-key", "Statement": statements}


def _data_access_statements(who: str, principals: list[str]) -> list[dict[str, Any]]:
    """Use of the key, and grants only for AWS resources (how RDS attaches the key to a copy or restore).

    Grant actions live only in the statement conditioned on kms:GrantIsForAWSResource: in the
    use statement, an unconditioned kms:CreateGrant would let its holder grant the key to any
    principal, which makes the condition beside it pointless.
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
    """
    return [
        {
            "Sid": f"Allow{who}UseOfTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": principals},
            "Action": list(USE_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": f"Allow{who}AttachmentOfPersistentResources",
            "Effect": "Allow",
            "Principal": {"AWS": principals},
            "Action": GRANT_ACTIONS,
            "Resource": "*",
            "Condition": GRANT_FOR_AWS_RESOURCE,
        },
    ]
