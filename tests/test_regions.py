"""Regions are real regions of botocore's list, and everything a stack names stays in one partition."""

import json

import pytest

from components import EncryptionKey
from components.rules import region_partition, regions_by_partition

GOV_ADMIN = "arn:aws-us-gov:iam::123456789012:role/DatabaseKeyAdministrators"


def test_the_region_list_has_the_three_partitions_a_stack_can_use():
    regions = regions_by_partition()
    assert {"us-east-1", "eu-west-1"} <= regions["aws"]
    assert {"cn-north-1", "cn-northwest-1"} <= regions["aws-cn"]
    assert {"us-gov-west-1", "us-gov-east-1"} <= regions["aws-us-gov"]
    assert not any(region.endswith("-global") for partition in regions.values() for region in partition)


@pytest.mark.parametrize(
    ("region", "partition"), [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_a_region_belongs_to_its_partition(region, partition):
    assert region_partition(region) == partition


def test_a_govcloud_stack_with_govcloud_principals_and_dr_deploys(deploy):
    run = deploy(
        "dev",
        {
            "aws:region": "us-gov-west-1",
            "encrypted-rds:keyAdministratorArns": [GOV_ADMIN],
            "encrypted-rds:drRegion": "us-gov-east-1",
            "encrypted-rds:drReplica": True,
            "encrypted-rds:drSubnetIds": ["subnet-0e1d2c3b4a5f60001", "subnet-0e1d2c3b4a5f60002"],
            "encrypted-rds:drSecurityGroupIds": ["sg-0e1d2c3b4a5f60001"],
            "encrypted-rds:dbPasswordMode": "write-only",
        },
    )
    policy = json.loads(run.named("rds-key-key").inputs["policy"])
    admins = next(s for s in policy["Statement"] if s["Sid"] == "AllowKeyAdministrators")
    assert admins["Principal"]["AWS"] == [GOV_ADMIN]
    assert run.named("dr-key-key").inputs["region"] == "us-gov-east-1"
    assert run.named("dr-replica-instance").inputs["region"] == "us-gov-east-1"


def test_a_govcloud_stack_refuses_a_dr_region_of_the_commercial_partition(rejected):
    message, run = rejected("dev", {"aws:region": "us-gov-west-1", "encrypted-rds:drRegion": "us-west-2"})
    assert "encrypted-rds:drRegion: us-west-2 is in partition aws but us-gov-west-1 is in aws-us-gov" in message
    assert run.resources == []


def test_a_key_refuses_a_misspelled_region_with_the_closest_real_one(refused):
    problems = refused(lambda: EncryptionKey("k", {"region": "eu-wset-1"}))
    assert len(problems) == 1
    assert problems[0].startswith("region: 'eu-wset-1' is not an AWS region name; did you mean eu-west-1?")


def test_a_key_refuses_principals_of_another_partition_than_its_region(refused):
    problems = refused(lambda: EncryptionKey("k", {"region": "us-east-1", "administrator_arns": [GOV_ADMIN]}))
    assert problems == [
        f"administrator_arns: {GOV_ADMIN} are not in partition aws of us-east-1; IAM principals of another "
        "partition cannot be named in this key's policy: use arn:aws:iam::<account>:... ARNs"
    ]
