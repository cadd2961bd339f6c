"""Keys named through aliases, over the engine's gRPC protocol (issue 14, items 1 and 3).

``alias.target_key_arn`` is the key's ARN, so passing it is correct at preview too. An approved
alias matches the key it names wherever the pack can see that: an Alias in the stack, created
here or read with ``aws.kms.Alias.get``, wired to the key or naming its ARN.
"""

import pytest
from stack_fixtures import ACCOUNT, HOME, StackBuilder, as_preview

INSTANCE = "aws:rds/instance:Instance"
ALIAS = "aws:kms/alias:Alias"
CENTRAL_KEY = f"arn:aws:kms:{HOME}:{ACCOUNT}:key/0b7c4e7a-6e0e-4a8e-9a53-2c1f1f7f4a11"
CENTRAL_ALIAS = "alias/central-rds"
BOTH = pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])


def approving(*keys):
    return {"rds-key-placement": {"approvedKmsKeys": list(keys)}}


def database(b, kms_key_id=None, refs=None):
    inputs = {"identifier": "app", "engine": "postgres", "instanceClass": "db.t4g.micro", "storageEncrypted": True}
    if kms_key_id is not None:
        inputs["kmsKeyId"] = kms_key_id
    return b.add(INSTANCE, "database", inputs, refs)


def created_alias(b, key, name="alias/app"):
    return b.add(
        ALIAS,
        "key-alias",
        {"name": name},
        {"targetKeyId": (key, "keyId")},
        outputs={"arn": f"arn:aws:kms:{HOME}:{ACCOUNT}:{name}", "targetKeyArn": key["outputs"]["arn"]},
    )


def read_alias(b):
    """``aws.kms.Alias.get("central", "alias/central-rds")``: a read resource, known at preview."""
    outputs = {
        "name": CENTRAL_ALIAS,
        "arn": f"arn:aws:kms:{HOME}:{ACCOUNT}:{CENTRAL_ALIAS}",
        "targetKeyArn": CENTRAL_KEY,
        "targetKeyId": CENTRAL_KEY.rsplit("/", 1)[-1],
    }
    return b.add(ALIAS, "central", outputs, outputs=outputs)


# --- alias.target_key_arn is a key ARN ----------------------------------------------------------------


@BOTH
def test_kms_key_id_from_an_alias_target_key_arn_passes(fresh, preview):
    b = StackBuilder("dev", production=False)
    alias = created_alias(b, b.key("rds-key", HOME))
    database(b, refs={"kmsKeyId": (alias, "targetKeyArn")})
    assert fresh.analyze_stack(as_preview(b.resources) if preview else b.resources).violations == []


def test_kms_key_id_from_an_alias_arn_is_still_refused_once_known(fresh):
    b = StackBuilder("dev", production=False)
    alias = created_alias(b, b.key("rds-key", HOME))
    database(b, refs={"kmsKeyId": (alias, "arn")})
    assert fresh.analyze_stack(b.resources).rules("mandatory") == {"rds-kms-key-arn"}


# --- approved keys named by alias -------------------------------------------------------------------


@BOTH
def test_approved_alias_matches_the_key_an_alias_read_into_the_stack_targets(pack, preview):
    pack.configure(approving(CENTRAL_ALIAS))
    b = StackBuilder("dev", production=False)
    database(b, refs={"kmsKeyId": (read_alias(b), "targetKeyArn")})
    assert pack.analyze_stack(as_preview(b.resources) if preview else b.resources).violations == []


def test_approved_alias_matches_a_key_arn_from_config_when_the_alias_is_in_the_stack(pack):
    pack.configure(approving(CENTRAL_ALIAS))
    b = StackBuilder("dev", production=False)
    read_alias(b)
    database(b, CENTRAL_KEY)
    assert pack.analyze_stack(b.resources).violations == []


def test_approved_alias_arn_approves_a_stack_alias_whose_arn_is_unknown_at_preview(pack):
    pack.configure(approving(f"arn:aws:kms:{HOME}:{ACCOUNT}:alias/app"))
    b = StackBuilder("dev", production=False)
    key = b.key("rds-key", HOME)
    created_alias(b, key)
    database(b, refs={"kmsKeyId": (key, "arn")})
    assert pack.analyze_stack(as_preview(b.resources)).violations == []


def test_key_arn_from_config_with_no_alias_in_sight_is_rejected_with_a_way_that_works(pack):
    pack.configure(approving(CENTRAL_ALIAS))
    b = StackBuilder("dev", production=False)
    database(b, CENTRAL_KEY)
    verdicts = pack.analyze_stack(b.resources)
    assert verdicts.rules("mandatory") == {"rds-approved-kms-key"}
    assert "target_key_arn (aws.kms.Alias.get reads an existing alias into the stack)" in verdicts.mandatory[0].message


def test_an_approved_alias_does_not_approve_a_different_key(pack):
    pack.configure(approving(CENTRAL_ALIAS))
    b = StackBuilder("dev", production=False)
    read_alias(b)
    database(b, refs={"kmsKeyId": (b.key("team-key", HOME), "arn")})
    assert pack.analyze_stack(b.resources).rules("mandatory") == {"rds-approved-kms-key"}
