"""What `pulumi up` would create for each stack: resources, encryption inputs, options, exports."""

import json

import pytest
from conftest import ALIAS, CLUSTER, CLUSTER_INSTANCE, INSTANCE, KEY, SUBNET_GROUP

from components.rules import KEY_ARN_PATTERN
from offline.runtime import ALLOWED_INVOKES

KEY_REFERENCES = ("kmsKeyId", "masterUserSecretKmsKeyId", "performanceInsightsKmsKeyId")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_creates_one_key_one_alias_one_encrypted_instance(deploy, stack):
    run = deploy(stack)
    assert sorted(r.type for r in run.resources if r.custom) == sorted([KEY, ALIAS, SUBNET_GROUP, INSTANCE])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_instance_is_storage_encrypted_with_the_stack_key_arn(deploy, stack):
    run = deploy(stack)
    key, instance = run.one(KEY), run.one(INSTANCE)
    assert instance.inputs["storageEncrypted"] is True
    assert instance.inputs["kmsKeyId"] == key.outputs["arn"]
    assert instance.property_dependencies["kmsKeyId"] == [key.urn]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_master_password_is_managed_by_secrets_manager_on_the_same_key(deploy, stack):
    run = deploy(stack)
    key, instance = run.one(KEY), run.one(INSTANCE)
    assert instance.inputs["manageMasterUserPassword"] is True
    assert instance.inputs["masterUserSecretKmsKeyId"] == key.outputs["arn"]
    assert "password" not in instance.inputs and "passwordWo" not in instance.inputs


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_key_reference_is_the_arn_of_a_key_of_this_stack_in_the_same_region(deploy, stack):
    run = deploy(stack)
    keys = {r.urn: r for r in run.of_type(KEY)}
    references = [(r, prop) for r in run.resources if r.custom for prop in KEY_REFERENCES if r.inputs.get(prop)]
    assert references
    for resource, prop in references:
        (source_urn,) = resource.property_dependencies[prop]
        key = keys[source_urn]
        assert resource.inputs[prop] == key.outputs["arn"]
        match = KEY_ARN_PATTERN.match(resource.inputs[prop])
        assert match and match["region"] == run.config["aws:region"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_database_is_private_gp3_tagged_and_backed_up(deploy, stack):
    instance = deploy(stack).one(INSTANCE).inputs
    assert instance["publiclyAccessible"] is False
    assert instance["storageType"] == "gp3"
    assert instance["copyTagsToSnapshot"] is True
    assert instance["backupRetentionPeriod"] >= 1
    assert instance["maxAllocatedStorage"] > instance["allocatedStorage"]
    assert instance["tags"]["Environment"] == stack


def test_key_is_symmetric_with_rotation_and_a_policy_scoped_to_rds_in_its_region(deploy):
    key = deploy("prod").one(KEY).inputs
    assert key["enableKeyRotation"] is True
    assert key["rotationPeriodInDays"] == 365
    assert key["keyUsage"] == "ENCRYPT_DECRYPT"
    assert key["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert statements["AllowRdsUseInThisAccount"]["Condition"]["StringEquals"] == {
        "kms:CallerAccount": "123456789012",
        "kms:ViaService": "rds.us-east-1.amazonaws.com",
    }
    assert statements["AllowKeyAdministrators"]["Principal"]["AWS"] == [
        "arn:aws:iam::123456789012:role/DatabaseKeyAdministrators"
    ]


def test_alias_points_at_the_key_by_id(deploy):
    run = deploy("prod")
    alias = run.one(ALIAS)
    assert alias.inputs["name"] == "alias/encrypted-rds-prod"
    assert alias.property_dependencies["targetKeyId"] == [run.one(KEY).urn]


def test_dev_is_small_single_az_with_short_backups_and_no_deletion_protection(deploy):
    run = deploy("dev")
    instance = run.one(INSTANCE).inputs
    assert instance["instanceClass"] == "db.t4g.micro"
    assert instance["multiAz"] is False
    assert instance["backupRetentionPeriod"] == 1
    assert instance["deletionProtection"] is False
    assert instance["skipFinalSnapshot"] is True
    assert run.one(KEY).inputs["deletionWindowInDays"] == 7
    assert not any(r.protect or r.retain_on_delete for r in run.resources)


def test_prod_is_multi_az_with_35_day_backups_deletion_protection_and_a_final_snapshot(deploy):
    run = deploy("prod")
    instance = run.one(INSTANCE).inputs
    assert instance["multiAz"] is True
    assert instance["backupRetentionPeriod"] == 35
    assert instance["deletionProtection"] is True
    assert instance["skipFinalSnapshot"] is False
    assert instance["finalSnapshotIdentifier"] == "encrypted-rds-prod-final"
    assert instance["deleteAutomatedBackups"] is False
    assert run.one(KEY).inputs["deletionWindowInDays"] == 30


@pytest.mark.parametrize(
    "type_", [KEY, INSTANCE, "encryptedrds:index:EncryptionKey", "encryptedrds:index:EncryptedDatabase"]
)
def test_prod_key_and_database_are_protected_and_retained_on_delete(deploy, type_):
    resource = deploy("prod").one(type_)
    assert resource.protect is True
    assert resource.retain_on_delete is True


def test_prod_performance_insights_is_on_the_stack_key(deploy):
    run = deploy("prod")
    instance = run.one(INSTANCE)
    assert instance.inputs["performanceInsightsEnabled"] is True
    assert instance.inputs["performanceInsightsKmsKeyId"] == run.one(KEY).outputs["arn"]


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


def test_an_existing_customer_managed_key_is_used_instead_of_creating_one(deploy):
    existing = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
    run = deploy("dev", {"encrypted-rds:kmsKeyArn": existing})
    assert not run.of_type(KEY)
    assert run.one(INSTANCE).inputs["kmsKeyId"] == existing
    assert run.outputs["kmsKeyArn"] == existing


def test_aurora_engine_builds_an_encrypted_cluster_keyed_at_cluster_level(deploy):
    run = deploy(
        "prod",
        {
            "encrypted-rds:dbEngine": "aurora-postgresql",
            "encrypted-rds:auroraInstanceCount": 3,
            "encrypted-rds:dbLogExports": ["postgresql"],
        },
    )
    key_arn = run.one(KEY).outputs["arn"]
    cluster = run.one(CLUSTER).inputs
    assert cluster["storageEncrypted"] is True
    assert cluster["kmsKeyId"] == key_arn
    assert cluster["masterUserSecretKmsKeyId"] == key_arn
    assert cluster["deletionProtection"] is True
    instances = run.of_type(CLUSTER_INSTANCE)
    assert len(instances) == 3
    for instance in instances:
        assert instance.inputs["performanceInsightsKmsKeyId"] == key_arn
        assert instance.inputs["publiclyAccessible"] is False
    assert not run.of_type(INSTANCE)
