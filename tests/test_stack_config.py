"""Invalid configuration fails before anything is registered, with every problem named at once."""

import pytest
import yaml

from offline.runtime import ROOT
from stack_config import project_config_declarations

# (overrides, config key named in the message, words that say what is wrong and the fix)
INVALID = {
    "sqlserver_express_cannot_be_encrypted": (
        {"encrypted-rds:dbEngine": "sqlserver-ex", "encrypted-rds:dbName": "", "encrypted-rds:dbLogExports": []},
        "encrypted-rds:dbEngine",
        "cannot be encrypted at rest; use sqlserver-web",
    ),
    "unknown_engine": ({"encrypted-rds:dbEngine": "postgress"}, "encrypted-rds:dbEngine", "not supported; use one of"),
    "db_t2_micro_cannot_be_encrypted": (
        {"encrypted-rds:dbInstanceClass": "db.t2.micro"},
        "encrypted-rds:dbInstanceClass",
        "does not support encryption at rest",
    ),
    "db_m1_cannot_be_encrypted": (
        {"encrypted-rds:dbInstanceClass": "db.m1.large"},
        "encrypted-rds:dbInstanceClass",
        "does not support encryption at rest",
    ),
    "db_m2_cannot_be_encrypted": (
        {"encrypted-rds:dbInstanceClass": "db.m2.4xlarge"},
        "encrypted-rds:dbInstanceClass",
        "does not support encryption at rest",
    ),
    "key_as_alias": (
        {"encrypted-rds:kmsKeyArn": "alias/rds-production"},
        "encrypted-rds:kmsKeyArn",
        "is a key alias; RDS stores the key ARN",
    ),
    "key_as_alias_arn": (
        {"encrypted-rds:kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/rds"},
        "encrypted-rds:kmsKeyArn",
        "is a key alias",
    ),
    "key_as_bare_id": (
        {"encrypted-rds:kmsKeyArn": "0a1b2c3d-0000-4000-8000-000000000001"},
        "encrypted-rds:kmsKeyArn",
        "is a bare key id; pass the key ARN",
    ),
    "aws_managed_key": (
        {"encrypted-rds:kmsKeyArn": "alias/aws/rds"},
        "encrypted-rds:kmsKeyArn",
        "AWS managed key aws/rds",
    ),
    "key_from_another_region": (
        {"encrypted-rds:kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"},
        "encrypted-rds:kmsKeyArn",
        "is in eu-west-1 but the resource is in us-east-1",
    ),
    "backups_off": (
        {"encrypted-rds:dbBackupRetentionDays": 0},
        "encrypted-rds:dbBackupRetentionDays",
        "turns automated backups off",
    ),
    "backups_beyond_35_days": (
        {"encrypted-rds:dbBackupRetentionDays": 36},
        "encrypted-rds:dbBackupRetentionDays",
        "exceeds the RDS maximum of 35 days",
    ),
    "deletion_window_below_7": (
        {"encrypted-rds:keyDeletionWindowDays": 6},
        "encrypted-rds:keyDeletionWindowDays",
        "use 7 to 30 days",
    ),
    "deletion_window_above_30": (
        {"encrypted-rds:keyDeletionWindowDays": 31},
        "encrypted-rds:keyDeletionWindowDays",
        "use 7 to 30 days",
    ),
    "rotation_period_out_of_range": (
        {"encrypted-rds:keyRotationPeriodDays": 30},
        "encrypted-rds:keyRotationPeriodDays",
        "use 90 to 2560 days",
    ),
    "alias_in_aws_namespace": (
        {"encrypted-rds:keyAlias": "alias/aws/mine"},
        "encrypted-rds:keyAlias",
        "reserved for AWS managed keys",
    ),
    "wildcard_key_administrator": (
        {"encrypted-rds:keyAdministratorArns": ["*"]},
        "encrypted-rds:keyAdministratorArns",
        "no wildcards",
    ),
    "one_subnet": (
        {"encrypted-rds:subnetIds": ["subnet-0a1b2c3d4e5f60001"]},
        "encrypted-rds:subnetIds",
        "at least two Availability Zones",
    ),
    "malformed_security_group": (
        {"encrypted-rds:securityGroupIds": ["default"]},
        "encrypted-rds:securityGroupIds",
        "not security group ids",
    ),
    "no_security_group": (
        {"encrypted-rds:securityGroupIds": []},
        "encrypted-rds:securityGroupIds",
        "VPC's default group",
    ),
    "log_type_of_another_engine": (
        {"encrypted-rds:dbLogExports": ["slowquery"]},
        "encrypted-rds:dbLogExports",
        "cannot be exported by postgres; choose from",
    ),
    "autoscaling_limit_not_above_allocation": (
        {"encrypted-rds:dbMaxAllocatedStorageGb": 20},
        "encrypted-rds:dbMaxAllocatedStorageGb",
        "must be at least 10% above the allocated 20 GiB; use 22 GiB or more",
    ),
    "autoscaling_limit_less_than_10_percent_above_allocation": (
        {"encrypted-rds:dbAllocatedStorageGb": 100, "encrypted-rds:dbMaxAllocatedStorageGb": 105},
        "encrypted-rds:dbMaxAllocatedStorageGb",
        "must be at least 10% above the allocated 100 GiB; use 110 GiB or more",
    ),
    "allocated_storage_beyond_gp3_is_reported_on_the_allocation": (
        {"encrypted-rds:dbAllocatedStorageGb": 70000},
        "encrypted-rds:dbAllocatedStorageGb",
        "allocated storage 70000 GiB is outside the 20 to 65536 GiB that postgres allows",
    ),
    "performance_insights_retention": (
        {"encrypted-rds:dbPerformanceInsightsRetentionDays": 30},
        "encrypted-rds:dbPerformanceInsightsRetentionDays",
        "use 7, a multiple of 31",
    ),
    "sqlserver_database_name": (
        {"encrypted-rds:dbEngine": "sqlserver-se", "encrypted-rds:dbLogExports": []},
        "encrypted-rds:dbName",
        "SQL Server creates no database at launch",
    ),
    "oracle_sid_too_long": (
        {"encrypted-rds:dbEngine": "oracle-se2", "encrypted-rds:dbName": "orders_db", "encrypted-rds:dbLogExports": []},
        "encrypted-rds:dbName",
        "Oracle database name (SID) 'orders_db' must be 1-8 letters or digits",
    ),
    "malformed_master_user": (
        {"encrypted-rds:dbMasterUsername": "1admin"},
        "encrypted-rds:dbMasterUsername",
        "must be 1-16 letters, digits or '_' and start with a letter",
    ),
    "bad_identifier": (
        {"encrypted-rds:dbIdentifier": "1st--db"},
        "encrypted-rds:dbIdentifier",
        "start with a letter",
    ),
    "reserved_master_user": (
        {"encrypted-rds:dbMasterUsername": "rdsadmin"},
        "encrypted-rds:dbMasterUsername",
        "reserved",
    ),
    "aurora_instance_count": (
        {"encrypted-rds:auroraInstanceCount": 0},
        "encrypted-rds:auroraInstanceCount",
        "use 1 to 16",
    ),
    "dr_region_is_the_stack_region": (
        {"encrypted-rds:drRegion": "us-east-1"},
        "encrypted-rds:drRegion",
        "must differ from the stack's region",
    ),
    "dr_replica_without_dr_region": (
        {"encrypted-rds:drReplica": True},
        "encrypted-rds:drReplica",
        "needs a DR region; set encrypted-rds:drRegion",
    ),
    "dr_backups_without_dr_region": (
        {"encrypted-rds:drAutomatedBackups": True},
        "encrypted-rds:drAutomatedBackups",
        "needs a DR region",
    ),
    "dr_replica_without_dr_subnets": (
        {"encrypted-rds:drRegion": "us-west-2", "encrypted-rds:drReplica": True},
        "encrypted-rds:drSubnetIds",
        "needs subnets of the DR region",
    ),
    "dr_key_of_another_region": (
        {
            "encrypted-rds:drRegion": "us-west-2",
            "encrypted-rds:drKmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001",
        },
        "encrypted-rds:drKmsKeyArn",
        "is in us-east-1 but the resource is in us-west-2",
    ),
    "multi_region_mode_with_an_existing_key": (
        {
            "encrypted-rds:kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001",
            "encrypted-rds:drKeyMode": "multi-region",
        },
        "encrypted-rds:drKeyMode",
        "use drKmsKeyArn for an existing DR key",
    ),
    "unknown_dr_key_mode": (
        {"encrypted-rds:drKeyMode": "global"},
        "encrypted-rds:drKeyMode",
        "Input should be 'independent' or 'multi-region'",
    ),
    "aurora_read_replicas": (
        {
            "encrypted-rds:dbEngine": "aurora-mysql",
            "encrypted-rds:dbLogExports": [],
            "encrypted-rds:sameRegionReplicas": 1,
        },
        "encrypted-rds:sameRegionReplicas",
        "set auroraInstanceCount",
    ),
    "aurora_backup_replication": (
        {
            "encrypted-rds:dbEngine": "aurora-mysql",
            "encrypted-rds:dbLogExports": [],
            "encrypted-rds:drRegion": "us-west-2",
            "encrypted-rds:drAutomatedBackups": True,
        },
        "encrypted-rds:drAutomatedBackups",
        "Aurora DR is drReplica",
    ),
    "dr_snapshot_copy_without_dr_region": (
        {"encrypted-rds:drSnapshotCopy": True},
        "encrypted-rds:drSnapshotCopy",
        "needs a DR region",
    ),
    "aurora_snapshot_sharing": (
        {
            "encrypted-rds:dbEngine": "aurora-mysql",
            "encrypted-rds:dbLogExports": [],
            "encrypted-rds:backupAccountIds": ["210987654321"],
        },
        "encrypted-rds:backupAccountIds",
        "Aurora clusters are not supported",
    ),
    "too_many_replicas": (
        {"encrypted-rds:sameRegionReplicas": 16},
        "encrypted-rds:sameRegionReplicas",
        "less than or equal to 15",
    ),
    "public_snapshot_sharing": (
        {"encrypted-rds:backupAccountIds": ["all"]},
        "encrypted-rds:backupAccountIds",
        "never 'all', which is public",
    ),
    "replicas_of_a_source_whose_password_secrets_manager_manages": (
        {"encrypted-rds:sameRegionReplicas": 1},
        "encrypted-rds:dbPasswordMode",
        "cannot manage the master password of a postgres source of read replicas; set it to write-only",
    ),
    "aurora_global_database_with_a_secrets_manager_password": (
        {
            "encrypted-rds:dbEngine": "aurora-postgresql",
            "encrypted-rds:dbLogExports": [],
            "encrypted-rds:drRegion": "us-west-2",
            "encrypted-rds:drReplica": True,
            "encrypted-rds:drSubnetIds": ["subnet-0e1d2c3b4a5f60001", "subnet-0e1d2c3b4a5f60002"],
            "encrypted-rds:drSecurityGroupIds": ["sg-0e1d2c3b4a5f60001"],
        },
        "encrypted-rds:dbPasswordMode",
        "cannot manage the master password of an Aurora global database",
    ),
    "password_version_below_one": (
        {"encrypted-rds:dbPasswordVersion": 0},
        "encrypted-rds:dbPasswordVersion",
        "must be 1 or more",
    ),
    "upper_case_identifier": (
        {"encrypted-rds:dbIdentifier": "Orders-Prod"},
        "encrypted-rds:dbIdentifier",
        "RDS stores identifiers in lower case; use 'orders-prod'",
    ),
    "govcloud_cross_region_snapshot_copy": (
        {
            "aws:region": "us-gov-west-1",
            "encrypted-rds:drRegion": "us-gov-east-1",
            "encrypted-rds:drSnapshotCopy": True,
            "encrypted-rds:drAutomatedBackups": True,
        },
        "encrypted-rds:drSnapshotCopy",
        "between AWS GovCloud (US) Regions needs a presigned URL that pulumi-aws does not generate",
    ),
    "bad_region": ({"aws:region": "useast1"}, "aws:region", "not an AWS region name"),
    "misspelled_region": ({"aws:region": "us-eats-1"}, "aws:region", "did you mean us-east-1?"),
    "misspelled_dr_region": (
        {"encrypted-rds:drRegion": "us-wset-2"},
        "encrypted-rds:drRegion",
        "did you mean us-west-2?",
    ),
    "dr_region_in_another_partition": (
        {"encrypted-rds:drRegion": "cn-north-1"},
        "encrypted-rds:drRegion",
        "cn-north-1 is in partition aws-cn but us-east-1 is in aws",
    ),
    "key_administrator_of_another_partition": (
        {"encrypted-rds:keyAdministratorArns": ["arn:aws-cn:iam::123456789012:role/DatabaseKeyAdministrators"]},
        "encrypted-rds:keyAdministratorArns",
        "are not in partition aws of us-east-1",
    ),
    "key_user_of_another_partition": (
        {"encrypted-rds:keyUserArns": ["arn:aws-us-gov:iam::123456789012:role/OrdersApp"]},
        "encrypted-rds:keyUserArns",
        "are not in partition aws of us-east-1",
    ),
    "key_arn_of_another_partition": (
        {"encrypted-rds:kmsKeyArn": "arn:aws-cn:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"},
        "encrypted-rds:kmsKeyArn",
        "is in partition aws-cn but us-east-1 is in aws",
    ),
    "typo_in_key": (
        {"encrypted-rds:dbMultiAZ": True},
        "encrypted-rds:dbMultiAZ",
        "unknown config key; did you mean 'encrypted-rds:dbMultiAz'?",
    ),
    "missing_required_key": (
        {"encrypted-rds:subnetIds": None},
        "encrypted-rds:subnetIds",
        "is required; set it with: pulumi config set encrypted-rds:subnetIds",
    ),
    "wrong_type": (
        {"encrypted-rds:dbMultiAz": "sometimes"},
        "encrypted-rds:dbMultiAz",
        "valid boolean",
    ),
}


@pytest.mark.parametrize("case", INVALID.values(), ids=INVALID.keys())
def test_invalid_config_is_rejected_with_its_key_and_fix_and_nothing_is_registered(rejected, case):
    overrides, key, words = case
    message, run = rejected("dev", overrides)
    assert "no resource was created" in message
    assert any(line.startswith(f"  - {key}: ") and words in line for line in message.splitlines()), message
    assert run.resources == []


def test_every_problem_is_reported_at_once(rejected):
    message, run = rejected(
        "prod",
        {
            "encrypted-rds:dbInstanceClass": "db.t2.micro",
            "encrypted-rds:keyDeletionWindowDays": 45,
            "encrypted-rds:dbBackupRetentionDays": 0,
            "encrypted-rds:kmsKeyArn": "alias/aws/rds",
            "encrypted-rds:dbMultiAZ": True,
        },
    )
    assert "(5 problem(s))" in message
    for key in ("dbInstanceClass", "keyDeletionWindowDays", "dbBackupRetentionDays", "kmsKeyArn", "dbMultiAZ"):
        assert f"encrypted-rds:{key}: " in message
    assert run.resources == []


def test_pulumi_yaml_declares_exactly_the_config_the_program_reads():
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert declared == project_config_declarations()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_hold_no_secret_material(stack):
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    assert "secure:" not in text
    for key, value in yaml.safe_load(text)["config"].items():
        if "password" in key.lower():
            assert (key, value) == ("encrypted-rds:dbPasswordMode", "write-only"), key


def test_readme_documents_every_config_key():
    readme = (ROOT / "README.md").read_text()
    for key in project_config_declarations():
        assert f"`encrypted-rds:{key}`" in readme, key


def test_sql_server_replicas_keep_the_password_in_secrets_manager(deploy):
    # Enterprise Edition: the only SQL Server edition with read replicas (SQLServer.ReadReplicas.html).
    run = deploy(
        "dev",
        {
            "encrypted-rds:dbEngine": "sqlserver-ee",
            "encrypted-rds:dbEngineVersion": "15.00",
            "encrypted-rds:dbInstanceClass": "db.m6i.xlarge",
            "encrypted-rds:dbName": "",
            "encrypted-rds:dbLogExports": [],
            "encrypted-rds:sameRegionReplicas": 1,
        },
    )
    assert run.named("database-instance").inputs["manageMasterUserPassword"] is True
