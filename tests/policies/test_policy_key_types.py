"""Every key type judged, over the engine's gRPC protocol (issue 14, items 1 and 2).

Keys with imported material (ExternalKey, ReplicaExternalKey) are keys; a key policy set by a
separate ``aws:kms/keyPolicy:KeyPolicy`` is the policy in force; a share key may grant the
organisation as AWS documents for sharing encrypted snapshots.
"""

import json

import pytest
from stack_fixtures import (
    AWAY,
    EXTERNAL_KEY,
    HOME,
    REPLICA_EXTERNAL_KEY,
    REPLICA_KEY,
    SHARED_ACCOUNT,
    StackBuilder,
    as_preview,
    key_policy,
    organisation_share_policy,
)

INSTANCE = "aws:rds/instance:Instance"
SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"


def open_policy(region=HOME):
    policy = json.loads(key_policy(region))
    del policy["Statement"][1]["Condition"]
    return json.dumps(policy)


def shared_copy_stack(key_type="aws:kms/key:Key", policy=None):
    """A snapshot copy shared with another account, on a key of ``key_type``."""
    b = StackBuilder("dev", production=False)
    primary = None
    if key_type in (REPLICA_KEY, REPLICA_EXTERNAL_KEY):
        primary = b.key("primary-key", AWAY, type_="aws:kms/key:Key" if key_type == REPLICA_KEY else EXTERNAL_KEY)
    key = b.key("share-key", HOME, (SHARED_ACCOUNT,), type_=key_type, primary=primary)
    if policy is not None:
        key["inputs"]["policy"] = key["outputs"]["policy"] = policy
    b.add(
        SNAPSHOT_COPY,
        "copy",
        {
            "targetDbSnapshotIdentifier": "copy",
            "sourceDbSnapshotIdentifier": "nightly",
            "sharedAccounts": [SHARED_ACCOUNT],
        },
        {"kmsKeyId": (key, "arn")},
    )
    return b


def cross_region_replica_stack(key_type):
    b = StackBuilder("dev", production=False)
    home = b.key("rds-key", HOME)
    primary = b.add(
        INSTANCE,
        "primary",
        {"identifier": "app", "engine": "postgres", "instanceClass": "db.t4g.micro", "storageEncrypted": True},
        {"kmsKeyId": (home, "arn")},
        outputs={"arn": "arn:aws:rds:us-east-1:123456789012:db:app"},
    )
    away = b.key("byok-eu", AWAY, type_=key_type)
    b.add(
        INSTANCE,
        "replica-eu",
        {"identifier": "app-eu", "instanceClass": "db.t4g.micro", "region": AWAY},
        {"replicateSourceDb": (primary, "arn"), "kmsKeyId": (away, "arn")},
    )
    return b.resources


# --- imported key material is a key ---------------------------------------------------------------


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_cross_region_replica_on_an_external_key_passes(fresh, preview):
    resources = cross_region_replica_stack(EXTERNAL_KEY)
    assert fresh.analyze_stack(as_preview(resources) if preview else resources).violations == []


@pytest.mark.parametrize("key_type", [EXTERNAL_KEY, REPLICA_EXTERNAL_KEY, REPLICA_KEY])
def test_snapshot_shared_under_an_imported_or_replica_key_passes_at_preview(fresh, key_type):
    assert fresh.analyze_stack(as_preview(shared_copy_stack(key_type).resources)).violations == []


def test_asymmetric_external_key_used_by_rds_is_rejected(fresh):
    b = StackBuilder("dev", production=False)
    key = b.key("byok", HOME, type_=EXTERNAL_KEY, keyUsage="SIGN_VERIFY", keySpec="RSA_2048")
    b.add(
        SNAPSHOT_COPY,
        "copy",
        {"targetDbSnapshotIdentifier": "c", "sourceDbSnapshotIdentifier": "s"},
        {"kmsKeyId": (key, "arn")},
    )
    assert fresh.analyze_stack(b.resources).rules("mandatory") == {"kms-key-symmetric-for-rds"}


# --- every key type's policy is judged ------------------------------------------------------------


@pytest.mark.parametrize("key_type", [EXTERNAL_KEY, REPLICA_EXTERNAL_KEY])
def test_key_policy_open_to_everyone_is_rejected_on_imported_key_material(fresh, key_type):
    b = StackBuilder("dev", production=False)
    primary = b.key("primary", AWAY, type_=EXTERNAL_KEY) if key_type == REPLICA_EXTERNAL_KEY else None
    b.key("byok", HOME, type_=key_type, primary=primary, policy=open_policy())
    verdicts = fresh.analyze_stack(b.resources)
    assert [(v.rule, v.urn.rsplit("::", 1)[-1]) for v in verdicts.mandatory] == [
        ("kms-key-policy-no-public-principal", "byok")
    ]


def test_key_policy_resource_open_to_everyone_is_rejected(fresh):
    b = StackBuilder("dev", production=False)
    key = b.key("rds-key", HOME)
    b.add(KEY_POLICY, "rds-key-policy", {"policy": open_policy()}, {"keyId": (key, "keyId")})
    assert fresh.analyze_stack(b.resources).rules("mandatory") == {"kms-key-policy-no-public-principal"}


# --- the policy in force is the KeyPolicy resource's ----------------------------------------------


def test_share_key_granted_by_a_separate_key_policy_resource_passes(fresh):
    b = shared_copy_stack(policy=key_policy(HOME))  # the key's own policy names no target account
    key = next(r for r in b.resources if r["name"] == "share-key")
    b.add(KEY_POLICY, "share-key-policy", {"policy": key_policy(HOME, (SHARED_ACCOUNT,))}, {"keyId": (key, "keyId")})
    assert fresh.analyze_stack(b.resources).violations == []


def test_share_key_whose_key_policy_resource_drops_the_target_account_is_rejected(fresh):
    b = shared_copy_stack()  # the key's own policy grants the target account...
    key = next(r for r in b.resources if r["name"] == "share-key")
    b.add(KEY_POLICY, "share-key-policy", {"policy": key_policy(HOME)}, {"keyId": (key, "keyId")})  # ...this does not
    assert fresh.analyze_stack(b.resources).rules("mandatory") == {"rds-shared-snapshot-cmk"}


def test_key_policy_resource_naming_its_key_by_a_literal_key_id_is_found(fresh):
    b = shared_copy_stack(policy=key_policy(HOME))
    key = next(r for r in b.resources if r["name"] == "share-key")
    b.add(
        KEY_POLICY,
        "share-key-policy",
        {"policy": key_policy(HOME, (SHARED_ACCOUNT,)), "keyId": key["outputs"]["keyId"]},
    )
    assert fresh.analyze_stack(b.resources).violations == []


# --- sharing with the organisation ------------------------------------------------------------------


def test_share_key_granting_the_organisation_passes(fresh):
    assert fresh.analyze_stack(shared_copy_stack(policy=organisation_share_policy(HOME)).resources).violations == []


def test_organisation_grant_further_limited_to_the_own_account_does_not_grant_the_target(fresh):
    policy = organisation_share_policy(HOME, **{"kms:CallerAccount": "123456789012"})
    verdicts = fresh.analyze_stack(shared_copy_stack(policy=policy).resources)
    assert verdicts.rules("mandatory") == {"rds-shared-snapshot-cmk"}


def test_organisation_grant_with_a_wildcard_organisation_is_public(fresh):
    policy = json.loads(organisation_share_policy(HOME))
    policy["Statement"][-1]["Condition"] = {"StringLike": {"aws:PrincipalOrgID": "o-*"}}
    verdicts = fresh.analyze_stack(shared_copy_stack(policy=json.dumps(policy)).resources)
    assert verdicts.rules("mandatory") == {"kms-key-policy-no-public-principal"}
