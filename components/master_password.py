"""The two ways a database's master password is kept, neither ever in plain text.

- ``secrets-manager``: RDS generates, stores and rotates the password in Secrets Manager under the
  customer managed key. The default, and the best, except where AWS does not support it:
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html ("Limitations":
  no read replica of a source that manages its password this way, for every engine but SQL Server)
  and https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html (no
  cluster of an Aurora global database).
- ``write-only``: the program generates a password in memory on each run and hands it only to
  write-only inputs (``password_wo`` / ``master_password_wo`` and a Secrets Manager secret version's
  ``secret_string_wo``), which providers never store in state. Both are applied only when the
  password version changes, so every run after the first sends nothing; bump the version to rotate.
  Applications read the password from a secret encrypted with the customer managed key.
"""

import json
import secrets
import string
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from .options import child_options

SECRETS_MANAGER = "secrets-manager"
WRITE_ONLY = "write-only"
PASSWORD_MODES = (SECRETS_MANAGER, WRITE_ONLY)
# Letters and digits only: valid for every engine (no '/', '"', '@' or space), 30 characters being
# the Oracle maximum.
_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 30


def check_password_mode(mode: str) -> str | None:
    if mode not in PASSWORD_MODES:
        return f"'{mode}' is not a password mode; use {SECRETS_MANAGER} (RDS-managed) or {WRITE_ONLY}"
    return None


def check_password_version(version: int) -> str | None:
    if version < 1:
        return f"password version {version} must be 1 or more; increase it to rotate the generated password"
    return None


def generate_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


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
        self._password = pulumi.Output.secret(generate_password()) if self.mode == WRITE_ONLY else None

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
        value = pulumi.Output.all(password=self._password, **connection).apply(
            lambda values: json.dumps({key: value for key, value in values.items() if value is not None})
        )
        aws.secretsmanager.SecretVersion(
            f"{self._name}-master-secret-value",
            secret_id=secret.id,
            secret_string_wo=pulumi.Output.secret(value),
            secret_string_wo_version=self.version,
            region=region,
            opts=child_options(self._parent, self._opts),
        )
        return secret.arn
