"""What `pulumi up` would create for each stack: resources, encryption inputs, options, exports."""

import json

import pytest
from conftest import ALIAS, CLUSTER, CLUSTER_INSTANCE, INSTANCE, KEY, PROD_AS_AURORA_GLOBAL, SUBNET_GROUP

from components.rules import KEY_ARN_PATTERN, key_arn_region
from offline.runtime import ALLOWED_INVOKES

KEY_REFERENCES = ("kmsKeyId", "masterUserSecretKmsKeyId", "performanceInsightsKmsKeyId")
KEY_TYPES = (KEY, "aws:kms/replicaKey:ReplicaKey")
BACKUP_REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
PRIMARY, STACK_KEY, DR_KEY = "database-instance", "rds-key-key", "dr-key-key"


def test_dev_creates_one_key_one_alias_one_encrypted_instance(deploy):
    run = deploy("dev")
    assert sorted(r.type for r in run.resources if r.custom) == sorted([KEY, ALIAS, SUBNET_GROUP, INSTANCE])


def test_prod_creates_primary_replicas_dr_key_and_backup_replication(deploy):
    run = deploy("prod")
    assert sorted(r.name for r in run.of_type(INSTANCE)) == [
        "database-instance",
        "dr-replica-instance",
        "replica-1-instance",
    ]
    assert sorted(r.name for r in run.of_type(KEY)) == ["dr-key-key", "rds-key-key", "shared-snapshot-key-key"]
    assert len(run.of_type(BACKUP_REPLICATION)) == 1


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_primary_is_storage_encrypted_with_the_stack_key_arn(deploy, stack):
    run = deploy(stack)
    key, instance = run.named(STACK_KEY), run.named(PRIMARY)
    assert instance.inputs["storageEncrypted"] is True
    assert instance.inputs["kmsKeyId"] == key.outputs["arn"]
    assert instance.property_dependencies["kmsKeyId"] == [key.urn]


def test_dev_master_password_is_managed_by_secrets_manager_on_the_same_key(deploy):
    run = deploy("dev")
    instance = run.named(PRIMARY).inputs
    assert instance["manageMasterUserPassword"] is True
    assert instance["masterUserSecretKmsKeyId"] == run.named(STACK_KEY).outputs["arn"]
    assert "password" not in instance and "passwordWo" not in instance


def test_prod_primary_has_replicas_so_its_password_is_write_only_and_kept_under_the_stack_key(deploy):
    run = deploy("prod")
    instance = run.named(PRIMARY).inputs
    assert "manageMasterUserPassword" not in instance and "password" not in instance
    assert instance["passwordWo"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    secret = run.named("database-master-secret")
    assert secret.inputs["kmsKeyId"] == run.named(STACK_KEY).outputs["arn"]
    assert run.outputs["masterUserSecretArn"] == secret.outputs["arn"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_key_reference_is_the_arn_of_a_key_of_this_stack_in_the_resource_region(deploy, stack):
    run = deploy(stack)
    keys = {r.urn: r for r in run.resources if r.type in KEY_TYPES}
    references = [(r, prop) for r in run.resources if r.custom for prop in KEY_REFERENCES if r.inputs.get(prop)]
    assert references
    for resource, prop in references:
        (source_urn,) = resource.property_dependencies[prop]
        assert resource.inputs[prop] == keys[source_urn].outputs["arn"]
        assert KEY_ARN_PATTERN.match(resource.inputs[prop])
        assert key_arn_region(resource.inputs[prop]) == resource.inputs.get("region", run.config["aws:region"])


def test_no_resource_anywhere_is_unencrypted_or_left_to_an_aws_managed_key(deploy):
    run = deploy("prod")
    for instance in run.of_type(INSTANCE):
        assert instance.inputs["storageEncrypted"] is True
        if instance.inputs.get("performanceInsightsEnabled"):
            assert instance.inputs["performanceInsightsKmsKeyId"]
    for resource in run.of_type(BACKUP_REPLICATION) + run.of_type("aws:secretsmanager/secret:Secret"):
        assert resource.inputs["kmsKeyId"]


def test_same_region_replica_follows_its_source_by_identifier_on_the_source_key(deploy):
    run = deploy("prod")
    primary, replica = run.named(PRIMARY), run.named("replica-1-instance")
    assert replica.inputs["replicateSourceDb"] == "encrypted-rds-prod"
    assert replica.property_dependencies["replicateSourceDb"] == [primary.urn]
    assert "kmsKeyId" not in replica.inputs and "region" not in replica.inputs
    assert replica.inputs["performanceInsightsKmsKeyId"] == primary.inputs["kmsKeyId"]


def test_every_replica_gets_the_security_groups_of_its_region_not_the_vpc_default(deploy):
    run = deploy("prod")
    groups = {
        name: run.named(name).inputs["vpcSecurityGroupIds"] for name in ("replica-1-instance", "dr-replica-instance")
    }
    assert groups == {
        "replica-1-instance": json.loads(run.config["encrypted-rds:securityGroupIds"]),
        "dr-replica-instance": json.loads(run.config["encrypted-rds:drSecurityGroupIds"]),
    }


def test_cross_region_replica_follows_its_source_by_arn_on_the_dr_region_key(deploy):
    run = deploy("prod")
    replica = run.named("dr-replica-instance")
    assert replica.inputs["replicateSourceDb"] == run.named(PRIMARY).outputs["arn"]
    assert replica.inputs["region"] == "us-west-2"
    assert replica.inputs["kmsKeyId"] == run.named(DR_KEY).outputs["arn"]
    assert key_arn_region(replica.inputs["kmsKeyId"]) == "us-west-2"


def test_automated_backups_are_replicated_on_the_dr_region_key(deploy):
    run = deploy("prod")
    replication = run.one(BACKUP_REPLICATION)
    assert replication.inputs["region"] == "us-west-2"
    assert replication.property_dependencies["kmsKeyId"] == [run.named(DR_KEY).urn]
    assert replication.inputs["retentionPeriod"] == 35


def test_dr_key_does_not_wait_for_the_primary_database(deploy):
    run = deploy("prod")
    dr_key = run.named(DR_KEY)
    database_urns = {r.urn for r in run.of_type(INSTANCE)} | {run.named("database").urn}
    assert not database_urns & set(dr_key.dependencies)
    assert not any(database_urns & set(urns) for urns in dr_key.property_dependencies.values())


def test_cross_region_replica_waits_for_its_key_and_its_source(deploy):
    run = deploy("prod")
    replica = run.named("dr-replica-instance")
    assert {run.named(DR_KEY).urn, run.named(PRIMARY).urn} <= set(replica.dependencies)


def test_multi_region_mode_replicates_the_stack_key_into_the_dr_region(deploy):
    run = deploy("prod", {"encrypted-rds:drKeyMode": "multi-region"})
    primary_key, replica_key = run.named(STACK_KEY), run.one("aws:kms/replicaKey:ReplicaKey")
    assert primary_key.inputs["multiRegion"] is True
    assert replica_key.property_dependencies["primaryKeyArn"] == [primary_key.urn]
    assert run.named("dr-replica-instance").inputs["kmsKeyId"] == replica_key.outputs["arn"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_primary_is_private_gp3_tagged_and_backed_up(deploy, stack):
    instance = deploy(stack).named(PRIMARY).inputs
    assert instance["publiclyAccessible"] is False
    assert instance["storageType"] == "gp3"
    assert instance["copyTagsToSnapshot"] is True
    assert instance["backupRetentionPeriod"] >= 1
    assert instance["maxAllocatedStorage"] > instance["allocatedStorage"]
    assert instance["tags"]["Environment"] == stack


def test_key_is_symmetric_with_rotation_and_a_policy_scoped_to_rds_in_its_region(deploy):
    run = deploy("prod")
    for name, region in ((STACK_KEY, "us-east-1"), (DR_KEY, "us-west-2")):
        key = run.named(name).inputs
        assert key["enableKeyRotation"] is True
        assert key["keyUsage"] == "ENCRYPT_DECRYPT"
        assert key["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
        statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
        assert statements["AllowRdsUseInThisAccount"]["Condition"]["StringEquals"] == {
            "kms:CallerAccount": "123456789012",
            "kms:ViaService": f"rds.{region}.amazonaws.com",
        }
        assert statements["AllowKeyAdministrators"]["Principal"]["AWS"] == [
            "arn:aws:iam::123456789012:role/DatabaseKeyAdministrators"
        ]


def test_alias_points_at_the_key_by_id(deploy):
    run = deploy("prod")
    alias = run.named("rds-key-alias")
    assert alias.inputs["name"] == "alias/encrypted-rds-prod"
    assert alias.property_dependencies["targetKeyId"] == [run.named(STACK_KEY).urn]


def test_dev_is_small_single_az_with_short_backups_and_no_deletion_protection(deploy):
    run = deploy("dev")
    instance = run.named(PRIMARY).inputs
    assert instance["instanceClass"] == "db.t4g.micro"
    assert instance["multiAz"] is False
    assert instance["backupRetentionPeriod"] == 1
    assert instance["deletionProtection"] is False
    assert instance["skipFinalSnapshot"] is True
    assert run.named(STACK_KEY).inputs["deletionWindowInDays"] == 7
    assert not any(r.protect or r.retain_on_delete for r in run.resources)


def test_prod_is_multi_az_with_35_day_backups_deletion_protection_and_a_final_snapshot(deploy):
    run = deploy("prod")
    instance = run.named(PRIMARY).inputs
    assert instance["multiAz"] is True
    assert instance["backupRetentionPeriod"] == 35
    assert instance["deletionProtection"] is True
    assert instance["skipFinalSnapshot"] is False
    assert instance["finalSnapshotIdentifier"] == "encrypted-rds-prod-final"
    assert instance["deleteAutomatedBackups"] is False
    assert run.named(STACK_KEY).inputs["deletionWindowInDays"] == 30


def test_every_prod_key_and_data_resource_is_protected_and_retained_on_delete(deploy):
    run = deploy("prod")
    # The AWS Config rules hold no data: they are the only resources Pulumi may delete freely.
    detective = {r.urn for r in run.resources if r.name == "compliance" or r.type == "aws:cfg/rule:Rule"}
    unprotected = [r.name for r in run.resources if r.urn not in detective and not (r.protect and r.retain_on_delete)]
    assert unprotected == []
    assert len(detective) == 6


def test_prod_performance_insights_is_on_the_stack_key(deploy):
    run = deploy("prod")
    instance = run.named(PRIMARY)
    assert instance.inputs["performanceInsightsEnabled"] is True
    assert instance.inputs["performanceInsightsKmsKeyId"] == run.named(STACK_KEY).outputs["arn"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_children_are_parented_to_their_component(deploy, stack):
    run = deploy(stack)
    components = {r.urn: r for r in run.resources if not r.custom}
    for resource in run.resources:
        if resource.custom:
            parent = components[resource.parent]
            assert resource.name.startswith(f"{parent.name}-")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_program_calls_only_the_three_allowed_data_sources(deploy, stack):
    assert set(deploy(stack).invokes) <= ALLOWED_INVOKES


def test_exports_what_an_application_team_needs(deploy):
    outputs = deploy("prod").outputs
    assert outputs["dbEndpoint"] == "encrypted-rds-prod.c0ffee000000.us-east-1.rds.amazonaws.com:5432"
    assert outputs["dbPort"] == 5432
    assert outputs["masterUserSecretArn"].startswith("arn:aws:secretsmanager:us-east-1:")
    assert KEY_ARN_PATTERN.match(outputs["kmsKeyArn"])
    assert outputs["kmsKeyAlias"] == "alias/encrypted-rds-prod"
    assert outputs["replicaEndpoints"] == ["encrypted-rds-prod-replica-1.c0ffee000000.us-east-1.rds.amazonaws.com:5432"]
    assert outputs["drReplicaEndpoint"].startswith("encrypted-rds-prod-dr.c0ffee000000.us-west-2.")


def test_an_existing_customer_managed_key_is_used_instead_of_creating_one(deploy):
    existing = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
    run = deploy("dev", {"encrypted-rds:kmsKeyArn": existing})
    assert not run.of_type(KEY)
    assert run.one(INSTANCE).inputs["kmsKeyId"] == existing
    assert run.outputs["kmsKeyArn"] == existing


def test_aurora_engine_builds_an_encrypted_cluster_keyed_at_cluster_level(deploy):
    run = deploy(
        "dev",
        {
            "encrypted-rds:dbEngine": "aurora-postgresql",
            "encrypted-rds:dbInstanceClass": "db.t4g.medium",
            "encrypted-rds:auroraInstanceCount": 3,
        },
    )
    key_arn = run.named(STACK_KEY).outputs["arn"]
    cluster = run.one(CLUSTER).inputs
    assert cluster["storageEncrypted"] is True
    assert cluster["kmsKeyId"] == key_arn
    assert cluster["masterUserSecretKmsKeyId"] == key_arn
    instances = run.of_type(CLUSTER_INSTANCE)
    assert len(instances) == 3
    assert all(instance.inputs["publiclyAccessible"] is False for instance in instances)
    assert not run.of_type(INSTANCE)


def test_aurora_with_dr_becomes_a_global_database_keyed_per_region(deploy):
    run = deploy("prod", PROD_AS_AURORA_GLOBAL)
    assert run.one("aws:rds/globalCluster:GlobalCluster").inputs["storageEncrypted"] is True
    keys = {r.name: r.inputs["kmsKeyId"] for r in run.of_type(CLUSTER)}
    assert key_arn_region(keys["database-primary-cluster"]) == "us-east-1"
    assert key_arn_region(keys["database-secondary-cluster"]) == "us-west-2"


def test_prod_shares_a_baseline_copy_on_a_key_whose_policy_grants_exactly_the_backup_account(deploy):
    run = deploy("prod")
    shared_copy, share_key = run.named("shared-snapshot-copy-snapshot"), run.named("shared-snapshot-key-key")
    assert shared_copy.inputs["sharedAccounts"] == ["210987654321"]
    assert shared_copy.property_dependencies["kmsKeyId"] == [share_key.urn]
    assert shared_copy.property_dependencies["sourceDbSnapshotIdentifier"] == [
        run.named("database-baseline-snapshot").urn
    ]
    granted = {
        statement["Sid"]: statement["Principal"]["AWS"]
        for statement in json.loads(share_key.inputs["policy"])["Statement"]
        if "SnapshotShareAccounts" in statement["Sid"]
    }
    assert granted == {
        "AllowSnapshotShareAccountsUseOfTheKey": ["arn:aws:iam::210987654321:root"],
        "AllowSnapshotShareAccountsAttachmentOfPersistentResources": ["arn:aws:iam::210987654321:root"],
    }


def test_prod_dr_snapshot_copy_lands_in_the_dr_region_on_the_dr_key(deploy):
    run = deploy("prod")
    copy = run.named("dr-snapshot-copy-snapshot")
    assert copy.inputs["region"] == "us-west-2"
    assert copy.property_dependencies["kmsKeyId"] == [run.named(DR_KEY).urn]
    assert "destinationRegion" not in copy.inputs


def test_prod_deploys_the_aws_config_rules_on_its_recorder_for_the_stack_key(deploy):
    run = deploy("prod")
    rules = {r.inputs["source"]["sourceIdentifier"]: r for r in run.of_type("aws:cfg/rule:Rule")}
    assert set(rules) == {
        "RDS_STORAGE_ENCRYPTED",
        "RDS_SNAPSHOT_ENCRYPTED",
        "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
        "CMK_BACKING_KEY_ROTATION_ENABLED",
        "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
    }
    storage = json.loads(rules["RDS_STORAGE_ENCRYPTED"].inputs["inputParameters"])
    assert storage["kmsKeyId"] == run.named(STACK_KEY).outputs["arn"]


def test_dev_has_no_config_recorder_so_no_config_rules(deploy):
    assert deploy("dev").of_type("aws:cfg/rule:Rule") == []


@pytest.mark.parametrize(("stack", "immediately"), [("dev", True), ("prod", False)])
def test_modifications_wait_for_the_maintenance_window_in_prod_and_apply_at_once_in_dev(deploy, stack, immediately):
    run = deploy(stack)
    assert {r.name: r.inputs["applyImmediately"] for r in run.of_type(INSTANCE)} == dict.fromkeys(
        (r.name for r in run.of_type(INSTANCE)), immediately
    )


def test_aurora_clusters_keep_the_password_mode_the_stack_chooses(deploy):
    run = deploy(
        "dev",
        {
            "encrypted-rds:dbEngine": "aurora-postgresql",
            "encrypted-rds:dbEngineVersion": "16.4",
            "encrypted-rds:dbInstanceClass": "db.r7g.large",
            "encrypted-rds:dbPasswordMode": "write-only",
        },
    )
    cluster = run.one(CLUSTER).inputs
    assert "manageMasterUserPassword" not in cluster and "masterPasswordWo" in cluster


def test_a_global_database_takes_the_stack_insights_and_log_settings_in_both_regions(deploy):
    run = deploy("prod", PROD_AS_AURORA_GLOBAL)
    keys = {r.name: r.outputs["arn"] for r in run.of_type(KEY)}
    for cluster in run.of_type(CLUSTER):
        assert cluster.inputs["enabledCloudwatchLogsExports"] == ["postgresql"], cluster.name
    for instance in run.of_type(CLUSTER_INSTANCE):
        key = keys["dr-key-key" if instance.name.startswith("database-secondary") else "rds-key-key"]
        assert (instance.inputs["performanceInsightsEnabled"], instance.inputs["performanceInsightsKmsKeyId"]) == (
            True,
            key,
        )
