"""Each rule, in-process, with props shaped like the SDK hands them to policies."""

import json

from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE
from sdk_args import analyze, analyze_stack, key_arn, remediate, rules
from stack_fixtures import AWAY, as_preview, find, full_stack, key_policy, set_input, wire

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
BACKUP_REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"


def encrypted_instance(**overrides):
    props = {
        "engine": "postgres",
        "instanceClass": "db.r7g.large",
        "storageEncrypted": True,
        "kmsKeyId": key_arn(),
        "manageMasterUserPassword": True,
        "masterUserSecretKmsKeyId": key_arn(),
        "performanceInsightsEnabled": True,
        "performanceInsightsKmsKeyId": key_arn(),
        "backupRetentionPeriod": 7.0,
        "deletionProtection": True,
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


def good_key(**overrides):
    props = {
        "enableKeyRotation": True,
        "deletionWindowInDays": 30.0,
        "keyUsage": "ENCRYPT_DECRYPT",
        "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "policy": key_policy("us-east-1"),
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


# --- a correct database passes ----------------------------------------------------------------


def test_encrypted_instance_on_customer_managed_key_passes():
    assert analyze(INSTANCE, encrypted_instance()) == []


def test_key_arns_unknown_at_preview_do_not_silence_or_fail_the_rules():
    props = encrypted_instance(
        kmsKeyId=UNKNOWN_STRING_VALUE,
        masterUserSecretKmsKeyId=UNKNOWN_STRING_VALUE,
        performanceInsightsKmsKeyId=UNKNOWN_STRING_VALUE,
    )
    assert analyze(INSTANCE, props) == []


def test_unknown_storage_encrypted_is_not_reported():
    assert "rds-storage-encrypted" not in rules(
        analyze(INSTANCE, encrypted_instance(storageEncrypted=UNKNOWN_BOOLEAN_VALUE))
    )


# --- rds-storage-encrypted ----------------------------------------------------------------------


def test_instance_with_storage_encrypted_false_is_rejected():
    found = analyze(INSTANCE, encrypted_instance(storageEncrypted=False))
    assert "rds-storage-encrypted" in rules(found)
    assert all(f.level == "mandatory" for f in found if f.rule == "rds-storage-encrypted")


def test_cluster_without_storage_encrypted_is_rejected():
    assert "rds-storage-encrypted" in rules(analyze(CLUSTER, {"engine": "aurora-postgresql", "kmsKeyId": key_arn()}))


def test_global_cluster_without_storage_encrypted_is_rejected():
    assert "rds-storage-encrypted" in rules(analyze(GLOBAL_CLUSTER, {"engine": "aurora-postgresql"}))


def test_global_cluster_created_from_a_source_cluster_inherits_encryption():
    assert analyze(GLOBAL_CLUSTER, {"sourceDbClusterIdentifier": "arn:aws:rds:us-east-1:1:cluster:x"}) == []


def test_replica_inherits_encryption_from_its_source():
    assert analyze(INSTANCE, {"replicateSourceDb": "app-prod", "instanceClass": "db.r7g.large"}) == []


def test_replica_explicitly_unencrypted_is_rejected():
    found = analyze(INSTANCE, {"replicateSourceDb": "app-prod", "storageEncrypted": False})
    assert "rds-storage-encrypted" in rules(found)


def test_violation_message_names_resource_property_expected_value_and_fix():
    message = next(f.message for f in analyze(INSTANCE, encrypted_instance(storageEncrypted=False)))
    assert "[rds-storage-encrypted] Instance 'subject'" in message
    assert "`storageEncrypted` is false; expected true" in message
    assert "Fix:" in message


# --- rds-encryptable-engine-class -----------------------------------------------------------------


def test_sql_server_express_is_rejected():
    assert "rds-encryptable-engine-class" in rules(analyze(INSTANCE, encrypted_instance(engine="sqlserver-ex")))


def test_unencryptable_instance_classes_are_rejected():
    for klass in ("db.t2.micro", "db.m1.small", "db.m2.xlarge"):
        assert "rds-encryptable-engine-class" in rules(analyze(INSTANCE, encrypted_instance(instanceClass=klass)))


def test_t2_classes_other_than_micro_are_encryptable():
    assert analyze(INSTANCE, encrypted_instance(instanceClass="db.t2.small")) == []


# --- key choice: rds-customer-managed-key, -performance-insights-cmk, -master-secret-cmk ---------


def test_encrypted_instance_without_kms_key_is_rejected():
    assert "rds-customer-managed-key" in rules(analyze(INSTANCE, encrypted_instance(kmsKeyId=None)))


def test_instance_on_aws_managed_key_alias_is_rejected():
    found = analyze(INSTANCE, encrypted_instance(kmsKeyId="alias/aws/rds"))
    assert rules(found) == {"rds-customer-managed-key"}


def test_aws_managed_key_by_alias_arn_is_rejected():
    arn = "arn:aws:kms:us-east-1:123456789012:alias/aws/rds"
    assert "rds-customer-managed-key" in rules(analyze(INSTANCE, encrypted_instance(kmsKeyId=arn)))


def test_instance_restored_from_snapshot_needs_no_key_of_its_own():
    props = encrypted_instance(kmsKeyId=None, snapshotIdentifier="app-dr")
    assert "rds-customer-managed-key" not in rules(analyze(INSTANCE, props))


def test_encrypted_cluster_without_kms_key_is_rejected():
    props = {"engine": "aurora-postgresql", "storageEncrypted": True}
    assert "rds-customer-managed-key" in rules(analyze(CLUSTER, props))


def test_snapshot_copy_from_another_region_without_kms_key_is_rejected():
    props = {"sourceDbSnapshotIdentifier": f"arn:aws:rds:{AWAY}:123456789012:snapshot:s"}
    assert "rds-customer-managed-key" in rules(analyze(SNAPSHOT_COPY, props, provider_region="us-east-1"))


def test_same_region_snapshot_copy_without_kms_key_keeps_its_sources_key():
    props = {"sourceDbSnapshotIdentifier": "arn:aws:rds:us-east-1:123456789012:snapshot:s"}
    assert analyze(SNAPSHOT_COPY, props, provider_region="us-east-1") == []


def test_backup_replication_without_kms_key_is_rejected():
    props = {"sourceDbInstanceArn": "arn:aws:rds:us-east-1:123456789012:db:app"}
    assert "rds-customer-managed-key" in rules(analyze(BACKUP_REPLICATION, props))


def test_performance_insights_without_key_is_rejected():
    props = encrypted_instance(performanceInsightsKmsKeyId=None)
    assert "rds-performance-insights-cmk" in rules(analyze(INSTANCE, props))


def test_performance_insights_off_needs_no_key():
    props = encrypted_instance(performanceInsightsEnabled=False, performanceInsightsKmsKeyId=None)
    assert analyze(INSTANCE, props) == []


def test_cluster_instance_performance_insights_without_key_is_rejected():
    props = {"clusterIdentifier": "c", "performanceInsightsEnabled": True}
    assert "rds-performance-insights-cmk" in rules(analyze(CLUSTER_INSTANCE, props))


def test_managed_master_secret_without_key_is_rejected():
    props = encrypted_instance(masterUserSecretKmsKeyId=None)
    assert "rds-master-secret-cmk" in rules(analyze(INSTANCE, props))


def test_managed_master_secret_on_aws_managed_secretsmanager_key_is_rejected():
    props = encrypted_instance(masterUserSecretKmsKeyId="alias/aws/secretsmanager")
    assert "rds-master-secret-cmk" in rules(analyze(INSTANCE, props))


# --- rds-kms-key-arn ------------------------------------------------------------------------------


def test_customer_alias_in_kms_key_id_is_rejected():
    assert rules(analyze(INSTANCE, encrypted_instance(kmsKeyId="alias/app"))) == {"rds-kms-key-arn"}


def test_bare_key_id_in_performance_insights_key_is_rejected():
    props = encrypted_instance(performanceInsightsKmsKeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
    assert rules(analyze(INSTANCE, props)) == {"rds-kms-key-arn"}


# --- rds-snapshot-not-public ----------------------------------------------------------------------


def test_snapshot_copy_shared_with_all_is_rejected():
    props = {"kmsKeyId": key_arn(), "sharedAccounts": ["all"]}
    assert rules(analyze(SNAPSHOT_COPY, props)) == {"rds-snapshot-not-public"}


def test_snapshot_shared_with_named_accounts_is_not_public():
    assert analyze("aws:rds/snapshot:Snapshot", {"sharedAccounts": ["210987654321"]}) == []


# --- hygiene (advisory) ---------------------------------------------------------------------------


def test_encrypted_instance_with_backups_off_gets_an_advisory():
    found = analyze(INSTANCE, encrypted_instance(backupRetentionPeriod=0.0))
    assert [(f.rule, f.level) for f in found] == [("rds-backups-enabled", "advisory")]


def test_unset_backup_retention_is_the_aws_default_of_one_day():
    assert analyze(INSTANCE, encrypted_instance(backupRetentionPeriod=None)) == []


def test_production_database_without_deletion_protection_gets_an_advisory():
    found = analyze(INSTANCE, encrypted_instance(deletionProtection=False), stack="prod", protect=True)
    assert rules(found) == {"rds-deletion-protection"}


def test_unprotected_production_database_gets_an_advisory():
    assert rules(analyze(INSTANCE, encrypted_instance(), stack="prod-eu", protect=False)) == {"rds-deletion-protection"}


def test_deletion_protection_is_not_required_on_dev_stacks():
    assert analyze(INSTANCE, encrypted_instance(deletionProtection=False), stack="dev", protect=False) == []


def test_production_stack_pattern_is_configurable():
    config = {"rds-encryption-hygiene": {"productionStackPattern": "^live$"}}
    props = encrypted_instance(deletionProtection=False)
    assert analyze(INSTANCE, props, stack="prod", protect=True, config=config) == []
    assert rules(analyze(INSTANCE, props, stack="live", protect=True, config=config)) == {"rds-deletion-protection"}


def test_plaintext_master_password_gets_an_advisory():
    found = analyze(INSTANCE, encrypted_instance(manageMasterUserPassword=None, password="hunter2hunter2"))
    assert [(f.rule, f.level) for f in found] == [("rds-no-plaintext-master-password", "advisory")]


def test_write_only_password_is_accepted():
    assert analyze(CLUSTER, {"storageEncrypted": True, "kmsKeyId": key_arn(), "masterPasswordWo": "x"}) == []


def test_unprotected_production_key_gets_an_advisory():
    assert rules(analyze(KEY, good_key(), stack="prod", protect=False)) == {"kms-key-protected"}


# --- KMS keys ------------------------------------------------------------------------------------


def test_correct_key_passes():
    assert analyze(KEY, good_key()) == []


def test_key_policy_with_unconditioned_wildcard_principal_is_rejected():
    policy = json.loads(key_policy("us-east-1"))
    del policy["Statement"][1]["Condition"]
    found = analyze(KEY, good_key(policy=json.dumps(policy)))
    assert rules(found) == {"kms-key-policy-no-public-principal"}


def test_wildcard_principal_conditioned_only_on_via_service_is_rejected():
    policy = json.loads(key_policy("us-east-1"))
    del policy["Statement"][1]["Condition"]["StringEquals"]["kms:CallerAccount"]
    assert "kms-key-policy-no-public-principal" in rules(analyze(KEY, good_key(policy=json.dumps(policy))))


def test_not_principal_allow_statement_is_rejected():
    policy = {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "kms:*"}]}
    assert "kms-key-policy-no-public-principal" in rules(analyze(REPLICA_KEY, {"policy": json.dumps(policy)}))


def test_malformed_key_policy_is_reported_not_passed():
    assert rules(analyze(KEY, good_key(policy="{not json"))) == {"kms-key-policy-no-public-principal"}


def test_key_policy_unknown_at_preview_is_left_to_the_update():
    assert analyze(KEY, good_key(policy=UNKNOWN_STRING_VALUE)) == []


def test_key_without_rotation_is_reported_until_remediated():
    assert "kms-key-rotation-enabled" in rules(analyze(KEY, good_key(enableKeyRotation=None)))


def test_rotation_remediation_turns_rotation_on():
    assert remediate(KEY, good_key(enableKeyRotation=False))["enableKeyRotation"] is True


def test_asymmetric_keys_are_not_asked_to_rotate():
    props = good_key(enableKeyRotation=None, keyUsage="SIGN_VERIFY", customerMasterKeySpec="RSA_2048")
    assert analyze(KEY, props) == []


def test_short_deletion_window_on_production_is_reported():
    assert "kms-key-deletion-window" in rules(analyze(KEY, good_key(deletionWindowInDays=7.0), stack="prod"))


def test_shortest_deletion_window_is_fine_on_dev():
    assert analyze(KEY, good_key(deletionWindowInDays=7.0), stack="dev", protect=False) == []


def test_deletion_window_minimum_is_configurable():
    config = {"kms-key-lifecycle": {"minimumDeletionWindowInDays": 14}}
    found = analyze(KEY, good_key(deletionWindowInDays=7.0), stack="dev", protect=False, config=config)
    assert rules(found) == {"kms-key-deletion-window"}


def test_deletion_window_remediation_raises_it_to_the_minimum():
    assert remediate(KEY, good_key(deletionWindowInDays=10.0), stack="prod")["deletionWindowInDays"] == 30.0


def test_remediation_leaves_a_compliant_key_alone():
    assert remediate(KEY, good_key()) is None


# --- exemptions and config ---------------------------------------------------------------------


def test_exemption_with_reason_silences_the_named_rule_only():
    config = {
        "rds-encryption-at-rest": {
            "exemptions": [{"resource": "subject", "rules": ["rds-kms-key-arn"], "reason": "legacy, ticket 42"}]
        }
    }
    assert analyze(INSTANCE, encrypted_instance(kmsKeyId="alias/app"), config=config) == []
    assert rules(analyze(INSTANCE, encrypted_instance(storageEncrypted=False), config=config)) == {
        "rds-storage-encrypted"
    }


def test_exemption_without_reason_is_ignored():
    config = {"rds-encryption-at-rest": {"exemptions": [{"resource": "subject", "reason": " "}]}}
    assert rules(analyze(INSTANCE, encrypted_instance(kmsKeyId="alias/app"), config=config)) == {"rds-kms-key-arn"}


def test_malformed_config_falls_back_to_defaults():
    config = {
        "kms-key-lifecycle": {"minimumDeletionWindowInDays": "soon", "productionStackPattern": "("},
        "rds-encryption-at-rest": {"exemptions": "everything"},
    }
    assert rules(analyze(KEY, good_key(deletionWindowInDays=7.0), stack="prod", protect=True, config=config)) == {
        "kms-key-deletion-window"
    }


# --- stack rules ---------------------------------------------------------------------------------


def test_full_stack_passes_the_stack_rules():
    assert analyze_stack(full_stack()) == []


def test_full_stack_at_preview_passes_the_stack_rules():
    assert analyze_stack(as_preview(full_stack())) == []


def test_cross_region_replica_on_a_home_region_key_is_rejected_at_preview():
    stack = full_stack()
    wire(stack, "database-replica-eu", "kmsKeyId", "rds-key")
    found = analyze_stack(as_preview(stack))
    assert [(f.rule, f.urn) for f in found] == [
        ("rds-key-in-resource-region", find(stack, "database-replica-eu")["urn"])
    ]


def test_region_mismatch_is_not_judged_without_a_provable_resource_region():
    stack = full_stack()
    wire(stack, "database-backups-eu", "kmsKeyId", "rds-key")
    set_input(stack, "database-backups-eu", "region", None)  # now in the provider's region...
    assert analyze_stack(stack, provider_region=None) == []  # ...which the pack was not told


def test_same_region_replica_on_a_different_key_is_rejected():
    stack = full_stack()
    set_input(stack, "database-replica", "kmsKeyId", key_arn(key_id="0000aaaa-0000-0000-0000-000000000000"))
    assert rules(analyze_stack(stack)) == {"rds-same-region-replica-key"}


def test_same_region_replica_naming_its_sources_key_passes():
    stack = full_stack()
    wire(stack, "database-replica", "kmsKeyId", "rds-key")
    assert analyze_stack(as_preview(stack)) == []


def test_cross_region_replica_without_a_key_is_rejected_at_preview():
    stack = full_stack()
    set_input(stack, "database-replica-eu", "kmsKeyId", None)
    assert rules(analyze_stack(as_preview(stack))) == {"rds-cross-region-replica-key"}


def test_replica_encrypted_differently_from_its_source_is_rejected():
    stack = full_stack()
    set_input(stack, "database-instance", "storageEncrypted", False)
    set_input(stack, "database-replica", "storageEncrypted", True)
    assert "rds-replica-encryption-matches-source" in rules(analyze_stack(stack))


def test_asymmetric_key_used_by_rds_is_rejected():
    stack = full_stack()
    set_input(stack, "rds-key-eu", "customerMasterKeySpec", "RSA_4096")
    assert rules(analyze_stack(stack)) == {"kms-key-symmetric-for-rds"}


def test_unapproved_key_is_rejected_when_approved_keys_are_configured():
    config = {"rds-key-placement": {"approvedKmsKeys": ["alias/encrypted-rds-prod", key_arn(AWAY)]}}
    found = analyze_stack(as_preview(full_stack()), config=config)
    assert rules(found) == {"rds-approved-kms-key"}  # rds-key-eu has no approved alias or ARN


def test_alias_in_approved_keys_approves_the_stack_key_it_targets():
    stack = full_stack()
    eu_arn = find(stack, "rds-key-eu")["outputs"]["arn"]
    config = {"rds-key-placement": {"approvedKmsKeys": ["alias/encrypted-rds-prod", eu_arn]}}
    assert analyze_stack(stack, config=config) == []


def test_snapshot_shared_with_an_account_the_key_policy_does_not_grant_is_rejected():
    stack = full_stack()
    set_input(stack, "rds-key-eu", "policy", key_policy(AWAY))
    assert rules(analyze_stack(stack)) == {"rds-shared-snapshot-cmk"}


def test_shared_snapshot_of_a_database_on_the_aws_managed_key_is_rejected():
    stack = full_stack()
    set_input(stack, "database-instance", "kmsKeyId", None)
    set_input(stack, "database-snapshot", "sharedAccounts", ["210987654321"])
    assert "rds-shared-snapshot-cmk" in rules(analyze_stack(as_preview(stack)))


def test_stack_rule_exemption_applies_to_the_named_resource():
    stack = full_stack()
    wire(stack, "database-replica-eu", "kmsKeyId", "rds-key")
    exemption = {"resource": "database-replica-eu", "reason": "migrating, ticket 7"}
    assert analyze_stack(stack, config={"rds-key-placement": {"exemptions": [exemption]}}) == []
