"""SnapshotSharing: an encrypted copy under a key the listed accounts may use, shared with them only."""

import json

import pulumi
import pytest

from components.snapshot_sharing import SnapshotSharing

COPY = "aws:rds/snapshotCopy:SnapshotCopy"
KEY = "aws:kms/key:Key"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
SOURCE_ARN = "arn:aws:rds:us-east-1:123456789012:snapshot:orders-2026-01-01"
TARGETS = ["310987654321", "210987654321"]


def sharing_args(**overrides):
    return {"source_snapshot_arn": SOURCE_ARN, "shared_account_ids": TARGETS, "engine": "postgres", **overrides}


def statements_naming(policy: str, principal: str) -> dict[str, dict]:
    found = {}
    for statement in json.loads(policy)["Statement"]:
        principals = statement["Principal"]["AWS"]
        if principal in (principals if isinstance(principals, list) else [principals]):
            found[statement["Sid"]] = statement
    return found


def test_key_policy_grants_exactly_the_accounts_the_two_statements_aws_documents(under_mocks):
    run = under_mocks(lambda: SnapshotSharing("handover", sharing_args()))
    policy = run.one(KEY).inputs["policy"]
    roots = sorted(f"arn:aws:iam::{account}:root" for account in TARGETS)
    for root in roots:
        statements = statements_naming(policy, root)
        assert set(statements) == {
            "AllowSnapshotShareAccountsUseOfTheKey",
            "AllowSnapshotShareAccountsAttachmentOfPersistentResources",
        }
        use = statements["AllowSnapshotShareAccountsUseOfTheKey"]
        assert use["Principal"]["AWS"] == roots
        assert {"kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*"} <= set(use["Action"])
        grants = statements["AllowSnapshotShareAccountsAttachmentOfPersistentResources"]
        assert "kms:CreateGrant" in grants["Action"] and "kms:CreateGrant" not in use["Action"]
        assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    granted = {
        principal
        for statement in json.loads(policy)["Statement"]
        if statement["Sid"].startswith("AllowSnapshotShareAccounts")
        for principal in statement["Principal"]["AWS"]
    }
    assert granted == set(roots)


def test_shared_copy_is_encrypted_with_the_created_key_and_shared_with_the_accounts_only(under_mocks):
    run = under_mocks(lambda: SnapshotSharing("handover", sharing_args()))
    key, copy = run.one(KEY), run.one(COPY)
    assert copy.inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.urn in copy.property_dependencies["kmsKeyId"]
    assert copy.inputs["sharedAccounts"] == sorted(TARGETS)
    assert copy.inputs["sourceDbSnapshotIdentifier"] == SOURCE_ARN


def test_key_and_copy_are_children_of_the_sharing(under_mocks):
    run = under_mocks(lambda: SnapshotSharing("handover", sharing_args()))
    sharing = run.one("encryptedrds:index:SnapshotSharing")
    key_component = run.one("encryptedrds:index:EncryptionKey")
    copy_component = run.one("encryptedrds:index:EncryptedSnapshotCopy")
    assert key_component.parent == copy_component.parent == sharing.urn
    assert run.one(COPY).parent == copy_component.urn
    assert run.one(KEY).parent == key_component.urn


def test_sharing_under_a_given_key_creates_no_key(under_mocks):
    def program():
        sharing = SnapshotSharing("handover", sharing_args(kms_key_arn=KEY_ARN))
        pulumi.export("key", sharing.kms_key_arn)
        pulumi.export("arn", sharing.snapshot_arn)

    run = under_mocks(program)
    assert run.of_type(KEY) == []
    assert run.one(COPY).inputs["kmsKeyId"] == KEY_ARN
    assert run.outputs == {"key": KEY_ARN, "arn": "arn:aws:rds:us-east-1:123456789012:snapshot:handover"}


def test_sharing_refuses_to_make_the_snapshot_public(refused):
    problems = refused(lambda: SnapshotSharing("handover", sharing_args(shared_account_ids=["all"])))
    assert len(problems) == 1
    assert problems[0].startswith("shared_account_ids: 'all' makes the snapshot public")


def test_sharing_refuses_the_aws_managed_key_which_cannot_be_shared(refused):
    problems = refused(lambda: SnapshotSharing("handover", sharing_args(kms_key_arn="alias/aws/rds")))
    assert len(problems) == 1
    assert problems[0].startswith("kms_key_arn: 'alias/aws/rds' is the AWS managed key aws/rds")


@pytest.mark.parametrize("engine", ["oracle-ee", "sqlserver-ee"])
def test_sharing_refuses_snapshots_of_instances_with_tde(engine, refused):
    problems = refused(lambda: SnapshotSharing("handover", sharing_args(engine=engine, tde_enabled=True)))
    assert problems == [
        "tde_enabled: a snapshot of an instance with the TDE option cannot be shared (TDE is a persistent option); "
        "move the data with a native backup or export, or AWS DMS, instead"
    ]


def test_sharing_refuses_tde_on_an_engine_that_has_none(refused):
    problems = refused(lambda: SnapshotSharing("handover", sharing_args(tde_enabled=True)))
    assert problems == [
        "tde_enabled: TDE exists only for Oracle and SQL Server, not postgres; set tde_enabled only for those engines"
    ]


def test_sharing_oracle_without_tde_is_allowed(under_mocks):
    run = under_mocks(lambda: SnapshotSharing("handover", sharing_args(engine="oracle-se2", tde_enabled=False)))
    assert run.one(COPY).inputs["sharedAccounts"] == sorted(TARGETS)


def test_sharing_refuses_account_ids_that_are_not_12_digits(refused):
    problems = refused(lambda: SnapshotSharing("handover", sharing_args(shared_account_ids=["21098765432a"])))
    assert len(problems) == 1
    assert problems[0].startswith("shared_account_ids: 21098765432a are not AWS account ids")


def test_sharing_refuses_its_own_account(refused):
    problems = refused(
        lambda: SnapshotSharing(
            "handover", sharing_args(account_id="123456789012", shared_account_ids=["123456789012", "210987654321"])
        ),
    )
    assert problems == [
        "shared_account_ids: 123456789012 is this account, which owns the snapshot already; list only other accounts"
    ]


def test_sharing_refuses_an_empty_account_list(refused):
    problems = refused(lambda: SnapshotSharing("handover", sharing_args(shared_account_ids=[])))
    assert problems == [
        "shared_account_ids: no account listed, so nothing would be shared; "
        "list the 12-digit account ids that may copy the snapshot"
    ]


def test_sharing_refuses_aurora_whose_snapshots_are_cluster_snapshots(refused):
    problems = refused(lambda: SnapshotSharing("handover", sharing_args(engine="aurora-postgresql")))
    assert len(problems) == 1
    assert problems[0].startswith("engine: engine 'aurora-postgresql' is Aurora")


def test_sharing_reports_every_problem_at_once(refused):
    problems = refused(
        lambda: SnapshotSharing(
            "handover",
            sharing_args(shared_account_ids=["all"], engine="oracle-ee", tde_enabled=True, kms_key_arn="alias/aws/rds"),
        ),
    )
    assert [problem.split(":")[0] for problem in problems] == ["kms_key_arn", "shared_account_ids", "tde_enabled"]


def test_retain_on_delete_reaches_the_key_and_the_copy(under_mocks):
    run = under_mocks(
        lambda: SnapshotSharing("handover", sharing_args(), opts=pulumi.ResourceOptions(retain_on_delete=True))
    )
    assert all(resource.retain_on_delete for resource in run.resources)
