"""The two ways a database's master password is kept, neither ever in plain text.

- ``secrets-manager``: RDS generates, stores and rotates the password in Secrets Manager under the
  customer managed key; it never passes through Pulumi. The default, and the best, except where
  AWS does not support it:
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html ("Limitations":
  no read replica of a source that manages its password this way, for every engine but SQL Server)
  and https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html (no
  cluster of an Aurora global database).
- ``write-only``: a ``random.RandomPassword`` generates the password once and keeps it in the
  Pulumi state as a secret (encrypted by the stack's secrets provider), so every later run reuses
  it. The database receives it through its write-only input (``password_wo`` /
  ``master_password_wo``), which the provider sends on create and whenever the password version
  changes, and never reads back; Pulumi still records that input in the state, encrypted as a
  secret like the generated value itself. Applications read it from a Secrets Manager secret
  encrypted with the customer managed key, whose value is rewritten whenever the password or the
  endpoint changes (a replaced database has a new host), so it always opens the database that
  exists. Bump the version to rotate.
"""

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from .options import child_options

SECRETS_MANAGER = "secrets-manager"
WRITE_ONLY = "write-only"
PASSWORD_MODES = (SECRETS_MANAGER, WRITE_ONLY)
# Letters and digits only, at least one of each kind: valid for every engine (no '/', '"', '@' or
# space, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
# MasterUserPassword) and meeting SQL Server's complexity policy; 30 characters is Oracle's maximum.
PASSWORD_LENGTH = 30


def check_password_mode(mode: str) -> str | None:
    if mode not in PASSWORD_MODES:
        return f"'{mode}' is not a password mode; use {SECRETS_MANAGER} (RDS-managed) or {WRITE_ONLY}"
    return None


def check_password_version(version: int) -> str | None:
    if version < 1:
        return f"password version {version} must be 1 or more; increase it to rotate the generated password"
    return None


class MasterPassword:
    """Inputs for the database resource, and the secret applications read, for one password mode."""

    def __init__(
        self,
        name: str,
        parent: pulumi.Resource,
        args: Mapping[str, Any],
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None,
        password_input: str,
    ) -> None:
        self.mode = args.get("password_mode", SECRETS_MANAGER)
        self.version = args.get("password_version", 1)
        self._name, self._parent, self._opts, self._key = name, parent, opts, kms_key_arn
        self._password_input = password_input
        self._password: pulumi.Output[str] | None = None
        if self.mode == WRITE_ONLY:
            self._password = random.RandomPassword(
                f"{name}-master-password",
                length=PASSWORD_LENGTH,
                special=False,
                min_upper=1,
                min_lower=1,
                min_numeric=1,
                # A new version replaces the generated password, which is how it rotates.
                keepers={"passwordVersion": str(self.version)},
                opts=child_options(parent, opts),
            ).result

    def database_inputs(self) -> dict[str, Any]:
        if self.mode == SECRETS_MANAGER:
            return {"manage_master_user_password": True, "master_user_secret_kms_key_id": self._key}
        return {self._password_input: self._password, f"{self._password_input}_version": self.version}

    def secret_arn(
        self, managed_secrets: pulumi.Output[list[Any]], connection: dict[str, Any], region: str | None
    ) -> pulumi.Output[str]:
        """The secret with the credentials: RDS's own, or one this component writes (write-only)."""
        if self.mode == SECRETS_MANAGER:
            return managed_secrets.apply(lambda items: items[0].secret_arn if items else "")
        secret = aws.secretsmanager.Secret(
            f"{self._name}-master-secret",
            description=f"Master credentials of {self._name}",
            kms_key_id=self._key,
            recovery_window_in_days=30,
            region=region,
            opts=child_options(self._parent, self._opts),
        )
        # Not write-only: a write-only value is applied only when its version changes, so a
        # replaced database (new host, same version) would leave the secret pointing at the old one.
        value = pulumi.Output.all(password=self._password, **connection).apply(
            lambda values: json.dumps({key: value for key, value in values.items() if value is not None})
        )
        aws.secretsmanager.SecretVersion(
            f"{self._name}-master-secret-value",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(value),
            region=region,
            opts=child_options(self._parent, self._opts),
        )
        return secret.arn
