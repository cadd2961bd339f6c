"""The key policy is a pure function: every statement, its principal, actions and conditions."""

from components.key_policy import ADMINISTRATOR_ACTIONS, rds_key_policy

ACCOUNT = "111122223333"


def statements(**kwargs):
    policy = rds_key_policy(account_id=ACCOUNT, region="eu-west-1", **kwargs)
    assert policy["Version"] == "2012-10-17"
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_account_root_administers_the_key_so_it_never_becomes_unmanageable():
    root = statements()["EnableAccountRootAdministration"]
    assert root["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert root["Action"] == "kms:*"
    assert "Condition" not in root


def test_rds_may_use_the_key_only_from_this_account_through_rds_in_the_key_region():
    rds = statements()["AllowRdsUseInThisAccount"]
    assert rds["Condition"] == {
        "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "rds.eu-west-1.amazonaws.com"}
    }
    assert {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant"} <= set(
        rds["Action"]
    )


def test_secrets_manager_may_use_the_key_for_the_master_user_secret_only_via_secrets_manager():
    secrets = statements()["AllowSecretsManagerUseForMasterUserSecret"]
    assert secrets["Condition"]["StringEquals"] == {
        "kms:CallerAccount": ACCOUNT,
        "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
    }


def policy_with_every_principal():
    """A policy with every optional statement: administrators, users and a share account."""
    return rds_key_policy(
        ACCOUNT,
        "eu-west-1",
        administrator_arns=["arn:aws:iam::111122223333:role/Admins"],
        user_arns=["arn:aws:iam::111122223333:role/App"],
        shared_account_ids=["444455556666"],
    )


def test_no_wildcard_principal_is_ever_unconditioned():
    policy = policy_with_every_principal()
    for statement in policy["Statement"]:
        principal = statement["Principal"]["AWS"]
        if principal == "*" or "*" in principal:
            condition = statement.get("Condition", {}).get("StringEquals", {})
            assert {"kms:CallerAccount", "kms:ViaService"} <= set(condition), statement["Sid"]


def test_without_optional_principals_only_the_three_base_statements_exist():
    assert list(statements()) == [
        "EnableAccountRootAdministration",
        "AllowRdsUseInThisAccount",
        "AllowSecretsManagerUseForMasterUserSecret",
    ]


def test_administrators_manage_the_key_without_calling_cryptographic_operations():
    admins = statements(administrator_arns=["arn:aws:iam::111122223333:role/Admins"])["AllowKeyAdministrators"]
    assert admins["Principal"] == {"AWS": ["arn:aws:iam::111122223333:role/Admins"]}
    assert admins["Action"] == ADMINISTRATOR_ACTIONS
    assert not {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"} & set(admins["Action"])


def test_key_users_use_the_key_and_attach_it_only_to_aws_resources():
    found = statements(user_arns=["arn:aws:iam::111122223333:role/App"])
    use, grants = found["AllowKeyUsersUseOfTheKey"], found["AllowKeyUsersAttachmentOfPersistentResources"]
    assert use["Principal"] == grants["Principal"] == {"AWS": ["arn:aws:iam::111122223333:role/App"]}
    assert grants["Action"] == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def test_only_the_account_root_and_services_via_their_own_condition_may_create_grants_unconditioned():
    policy = policy_with_every_principal()
    for statement in policy["Statement"]:
        if statement["Sid"] in ("EnableAccountRootAdministration", "AllowKeyAdministrators"):
            continue
        actions = statement["Action"]
        condition = statement.get("Condition", {})
        if any(action in ("kms:CreateGrant", "kms:*") for action in actions):
            scoped_to_a_service = "kms:ViaService" in condition.get("StringEquals", {})
            assert scoped_to_a_service or condition == {"Bool": {"kms:GrantIsForAWSResource": "true"}}, statement["Sid"]


def test_snapshot_share_accounts_get_exactly_the_two_statements_aws_documents():
    found = statements(shared_account_ids=["444455556666", "777788889999"])
    accounts = ["arn:aws:iam::444455556666:root", "arn:aws:iam::777788889999:root"]
    use = found["AllowSnapshotShareAccountsUseOfTheKey"]
    attach = found["AllowSnapshotShareAccountsAttachmentOfPersistentResources"]
    assert use["Principal"] == attach["Principal"] == {"AWS": accounts}
    assert set(use["Action"]) == {
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
    }
    assert attach["Action"] == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    assert attach["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def test_partition_is_used_in_principal_arns():
    policy = rds_key_policy(ACCOUNT, "cn-north-1", partition="aws-cn")
    assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"}
