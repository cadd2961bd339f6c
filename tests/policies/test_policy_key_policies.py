"""Key policies judged by what they allow, over the engine's gRPC protocol (issue 9, item 2).

AWS Config kms-key-policy-no-public-access / IAM Access Analyzer: an Allow for ``*`` (or
``NotPrincipal``) is scoped only by a positive equality condition with fixed values on the caller's
account, organisation or principal.
"""

import json

import pytest
from stack_fixtures import ACCOUNT, HOME, ORGANISATION, StackBuilder, key_policy

USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
ANYONE = {"AWS": "*"}

PUBLIC = {
    "no condition": {"Principal": "*"},
    "a list of principals holding *": {"Principal": {"AWS": ["*", f"arn:aws:iam::{ACCOUNT}:root"]}},
    "StringNotEquals kms:CallerAccount (every other account)": {
        "Condition": {"StringNotEquals": {"kms:CallerAccount": ACCOUNT}}
    },
    "StringLike kms:CallerAccount *": {"Condition": {"StringLike": {"kms:CallerAccount": "*"}}},
    "StringLike kms:CallerAccount with ?": {"Condition": {"StringLike": {"kms:CallerAccount": "12345678901?"}}},
    "StringEqualsIfExists kms:CallerAccount": {"Condition": {"StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT}}},
    "ForAllValues:StringEquals aws:PrincipalOrgID": {
        "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": [ORGANISATION]}}
    },
    "a policy variable": {
        "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:root"}}
    },
    "an empty list of accounts": {"Condition": {"StringEquals": {"kms:CallerAccount": []}}},
    "kms:ViaService only": {"Condition": {"StringEquals": {"kms:ViaService": f"rds.{HOME}.amazonaws.com"}}},
    "aws:SourceIp only": {"Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
    "NotPrincipal without a condition": {"Principal": None, "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}},
}

SCOPED = {
    "StringEquals kms:CallerAccount": {"Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}},
    "ForAnyValue:StringEquals aws:PrincipalOrgID": {
        "Condition": {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": [ORGANISATION]}}
    },
    "ArnEquals aws:PrincipalArn": {
        "Condition": {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app"}}
    },
    "StringLike aws:PrincipalAccount without a wildcard": {
        "Condition": {"StringLike": {"aws:PrincipalAccount": ACCOUNT}}
    },
    "StringEquals aws:SourceAccount": {"Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
    "scoped next to an unscoping condition": {
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT},
            "StringNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/banned"},
        }
    },
    "NotPrincipal scoped to the account": {
        "Principal": None,
        "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/banned"},
        "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
    },
    "a Deny for everyone": {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion"},
}


def key_with(statement_overrides=None, **key_inputs):
    b = StackBuilder("dev", production=False)
    policy = json.loads(key_policy(HOME))
    if statement_overrides is not None:
        statement = {"Sid": "UnderTest", "Effect": "Allow", "Principal": ANYONE, "Action": USE, "Resource": "*"}
        statement.update(statement_overrides)
        policy["Statement"].append({k: v for k, v in statement.items() if v is not None})
    b.key("rds-key", HOME, policy=json.dumps(policy), **key_inputs)
    return b.resources


@pytest.mark.parametrize("form", PUBLIC)
def test_statement_open_to_any_account_is_rejected(fresh, form):
    verdicts = fresh.analyze_stack(key_with(PUBLIC[form]))
    assert verdicts.rules("mandatory") == {"kms-key-policy-no-public-principal"}
    assert "statement #3 (Sid 'UnderTest')" in verdicts.mandatory[0].message


@pytest.mark.parametrize("form", SCOPED)
def test_statement_pinned_to_fixed_accounts_passes(fresh, form):
    assert fresh.analyze_stack(key_with(SCOPED[form])).violations == []


def test_rejection_says_why_each_condition_does_not_scope(fresh):
    verdicts = fresh.analyze_stack(key_with({"Condition": {"StringLike": {"kms:CallerAccount": "*"}}}))
    assert "StringLike kms:calleraccount: its values are not fixed" in verdicts.mandatory[0].message


def test_key_policy_as_an_object_is_judged_like_its_json(fresh):
    resources = key_with(PUBLIC["no condition"])
    key = resources[-1]
    key["inputs"]["policy"] = key["outputs"]["policy"] = json.loads(key["inputs"]["policy"])
    assert fresh.analyze_stack(resources).rules("mandatory") == {"kms-key-policy-no-public-principal"}


# --- lockout safety check and disabled keys (advisory) ----------------------------------------------


@pytest.mark.parametrize("bypass", [True, "true"])
def test_bypassing_the_lockout_safety_check_is_an_advisory(fresh, bypass):
    verdicts = fresh.analyze_stack(key_with(bypassPolicyLockoutSafetyCheck=bypass))
    assert [(v.rule, v.level) for v in verdicts.violations] == [("kms-key-lockout-safety-check", "advisory")]


def test_bypassing_it_on_a_key_policy_resource_is_an_advisory(fresh):
    b = StackBuilder("dev", production=False)
    key = b.key("rds-key", HOME)
    b.add(
        "aws:kms/keyPolicy:KeyPolicy",
        "rds-key-policy",
        {"policy": key_policy(HOME), "bypassPolicyLockoutSafetyCheck": True},
        {"keyId": (key, "keyId")},
    )
    assert fresh.analyze_stack(b.resources).rules("advisory") == {"kms-key-lockout-safety-check"}


def test_disabled_encryption_key_is_an_advisory(fresh):
    verdicts = fresh.analyze_stack(key_with(isEnabled=False))
    assert [(v.rule, v.level) for v in verdicts.violations] == [("kms-key-enabled", "advisory")]


def test_disabled_signing_key_is_not_reported(fresh):
    resources = key_with(
        isEnabled=False, keyUsage="SIGN_VERIFY", customerMasterKeySpec="ECC_NIST_P256", enableKeyRotation=None
    )
    assert fresh.analyze_stack(resources).violations == []
