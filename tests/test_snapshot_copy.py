"""EncryptedSnapshotCopy: a DB snapshot copied under a customer managed key, in its region or another."""

import pulumi
import pytest

from components.encryption_key import EncryptionKey
from components.snapshot_copy import EncryptedSnapshotCopy

COPY = "aws:rds/snapshotCopy:SnapshotCopy"
KEY = "aws:kms/key:Key"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
EU_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000002"
SOURCE_ARN = "arn:aws:rds:us-east-1:123456789012:snapshot:orders-2026-01-01"


def copy_args(**overrides):
    return {
        "source_snapshot_arn": SOURCE_ARN,
        "target_snapshot_identifier": "orders-copy",
        "kms_key_arn": KEY_ARN,
        **overrides,
    }


def test_copy_is_encrypted_with_the_given_key_under_the_component(under_mocks):
    run = under_mocks(lambda: EncryptedSnapshotCopy("orders", copy_args()))
    component = run.one("encryptedrds:index:EncryptedSnapshotCopy")
    copy = run.one(COPY)
    assert copy.name == "orders-snapshot"
    assert copy.parent == component.urn
    assert copy.inputs["kmsKeyId"] == KEY_ARN
    assert copy.inputs["sourceDbSnapshotIdentifier"] == SOURCE_ARN
    assert copy.inputs["targetDbSnapshotIdentifier"] == "orders-copy"
    assert "sharedAccounts" not in copy.inputs


def test_cross_region_copy_lands_in_its_region_argument_not_destination_region(under_mocks):
    def program():
        copy = EncryptedSnapshotCopy("dr", copy_args(kms_key_arn=EU_KEY_ARN, region="eu-west-1"))
        pulumi.export("arn", copy.snapshot_arn)
        pulumi.export("region", copy.region)

    run = under_mocks(program)
    copy = run.one(COPY).inputs
    assert copy["region"] == "eu-west-1"
    assert "destinationRegion" not in copy
    assert run.outputs == {"arn": "arn:aws:rds:eu-west-1:123456789012:snapshot:orders-copy", "region": "eu-west-1"}


def test_cross_region_copy_needs_a_key_of_the_destination_region(refused):
    problems = refused(lambda: EncryptedSnapshotCopy("dr", copy_args(region="eu-west-1")))
    assert problems == [
        f"kms_key_arn: key '{KEY_ARN}' is in us-east-1 but the resource is in eu-west-1; "
        "KMS keys are regional: use a key created in eu-west-1"
    ]


def test_cross_region_copy_names_its_source_by_arn(refused):
    problems = refused(
        lambda: EncryptedSnapshotCopy(
            "dr", copy_args(source_snapshot_arn="orders-2026-01-01", kms_key_arn=EU_KEY_ARN, region="eu-west-1")
        ),
    )
    assert len(problems) == 1
    assert problems[0].startswith("source_snapshot_arn: 'orders-2026-01-01' is an identifier")


@pytest.mark.parametrize("source", ["orders-2026-01-01", "rds:orders-2026-01-01-05-00"])
def test_same_region_copy_accepts_a_manual_or_automated_snapshot_identifier(under_mocks, source):
    run = under_mocks(lambda: EncryptedSnapshotCopy("orders", copy_args(source_snapshot_arn=source)))
    assert run.one(COPY).inputs["sourceDbSnapshotIdentifier"] == source


def test_copy_refuses_a_db_cluster_snapshot(refused):
    source = "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:orders-1"
    problems = refused(lambda: EncryptedSnapshotCopy("orders", copy_args(source_snapshot_arn=source)))
    assert problems == [
        f"source_snapshot_arn: '{source}' is a DB cluster snapshot (Aurora); these components copy DB instance snapshots only"
    ]


@pytest.mark.parametrize(
    ("key", "words"), [("alias/aws/rds", "AWS managed key aws/rds"), ("alias/orders", "is a key alias")]
)
def test_copy_refuses_the_aws_managed_key_and_aliases(key, words, refused):
    problems = refused(lambda: EncryptedSnapshotCopy("orders", copy_args(kms_key_arn=key)))
    assert len(problems) == 1
    assert problems[0].startswith("kms_key_arn: ") and words in problems[0]


def test_copy_requires_a_key_so_it_never_keeps_the_source_key_or_none(refused):
    args = copy_args()
    del args["kms_key_arn"]
    assert refused(lambda: EncryptedSnapshotCopy("orders", args)) == ["kms_key_arn: is required"]


def test_copy_refuses_an_invalid_target_identifier(refused):
    problems = refused(lambda: EncryptedSnapshotCopy("orders", copy_args(target_snapshot_identifier="1-orders--copy-")))
    assert len(problems) == 1
    assert problems[0].startswith("target_snapshot_identifier: snapshot identifier '1-orders--copy-'")


def test_copy_refuses_public_sharing(refused):
    problems = refused(lambda: EncryptedSnapshotCopy("orders", copy_args(shared_account_ids=["210987654321", "all"])))
    assert len(problems) == 1
    assert problems[0].startswith("shared_account_ids: 'all' makes the snapshot public")


def test_copy_refuses_ids_that_are_not_12_digit_accounts(refused):
    problems = refused(lambda: EncryptedSnapshotCopy("orders", copy_args(shared_account_ids=["2109876"])))
    assert problems == [
        "shared_account_ids: 2109876 are not AWS account ids; use 12-digit account ids (and never 'all', which is public)"
    ]


def test_copy_refuses_sharing_with_more_than_20_accounts(refused):
    accounts = [f"{100000000000 + n}" for n in range(21)]
    problems = refused(lambda: EncryptedSnapshotCopy("orders", copy_args(shared_account_ids=accounts)))
    assert len(problems) == 1
    assert problems[0].startswith("shared_account_ids: 21 accounts exceed the 20")


def test_copy_refuses_sharing_with_its_own_account(refused):
    problems = refused(
        lambda: EncryptedSnapshotCopy(
            "orders", copy_args(account_id="123456789012", shared_account_ids=["123456789012"])
        ),
    )
    assert problems == [
        "shared_account_ids: 123456789012 is this account, which owns the snapshot already; list only other accounts"
    ]


def test_shared_copy_lists_exactly_the_accounts(under_mocks):
    def program():
        copy = EncryptedSnapshotCopy("orders", copy_args(shared_account_ids=["210987654321", "310987654321"]))
        pulumi.export("shared", copy.shared_account_ids)

    run = under_mocks(program)
    assert run.one(COPY).inputs["sharedAccounts"] == ["210987654321", "310987654321"]
    assert run.outputs["shared"] == ["210987654321", "310987654321"]


def test_copy_key_given_by_another_resource_is_a_recorded_dependency(under_mocks):
    def program():
        key = EncryptionKey("backups", {})
        EncryptedSnapshotCopy("orders", copy_args(kms_key_arn=key.key_arn))

    run = under_mocks(program)
    key, copy = run.one(KEY), run.one(COPY)
    assert copy.inputs["kmsKeyId"] == key.outputs["arn"]
    assert key.urn in copy.property_dependencies["kmsKeyId"]


def test_retain_on_delete_reaches_the_copy(under_mocks):
    run = under_mocks(
        lambda: EncryptedSnapshotCopy("orders", copy_args(), opts=pulumi.ResourceOptions(retain_on_delete=True))
    )
    assert run.one(COPY).retain_on_delete


def test_copy_identifiers_are_lower_case_as_rds_stores_them(refused):
    problems = refused(
        lambda: EncryptedSnapshotCopy(
            "orders",
            copy_args(
                target_snapshot_identifier="Orders-Copy",
                source_snapshot_arn="arn:aws:rds:us-east-1:123456789012:snapshot:Orders-Baseline",
            ),
        )
    )
    assert problems == [
        "source_snapshot_arn: snapshot 'arn:aws:rds:us-east-1:123456789012:snapshot:Orders-Baseline' has upper-case "
        "letters, but RDS stores identifiers in lower case; use 'arn:aws:rds:us-east-1:123456789012:snapshot:orders-baseline'",
        "target_snapshot_identifier: snapshot identifier 'Orders-Copy' has upper-case letters, but RDS stores "
        "identifiers in lower case; use 'orders-copy'",
    ]


GOV_WEST_ARN = "arn:aws-us-gov:rds:us-gov-west-1:123456789012:snapshot:orders-baseline"
GOV_EAST_KEY = "arn:aws-us-gov:kms:us-gov-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000003"
GOV_WEST_KEY = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000004"


def test_cross_region_copy_between_govcloud_regions_is_refused_for_want_of_a_presigned_url(refused):
    problems = refused(
        lambda: EncryptedSnapshotCopy(
            "dr", copy_args(source_snapshot_arn=GOV_WEST_ARN, kms_key_arn=GOV_EAST_KEY, region="us-gov-east-1")
        )
    )
    assert len(problems) == 1
    assert problems[0].startswith(
        "region: an encrypted copy from us-gov-west-1 to us-gov-east-1 between AWS GovCloud (US) Regions needs a "
        "presigned URL that pulumi-aws does not generate"
    )


def test_copy_within_one_govcloud_region_is_accepted(under_mocks):
    run = under_mocks(
        lambda: EncryptedSnapshotCopy(
            "local", copy_args(source_snapshot_arn=GOV_WEST_ARN, kms_key_arn=GOV_WEST_KEY, region="us-gov-west-1")
        )
    )
    assert run.one(COPY).inputs["region"] == "us-gov-west-1"
