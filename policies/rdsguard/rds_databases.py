"""RDS instances, Aurora clusters and global clusters: encryption on, encryptable, recoverable."""

from __future__ import annotations

from collections.abc import Iterator

from .key_usage import RDS_ENCRYPTION_DOC
from .lineage import inherits, replicates
from .props import UNKNOWN
from .rule import (
    AT_REST,
    CLUSTER,
    CLUSTER_INSTANCE,
    GLOBAL_CLUSTER,
    HYGIENE,
    INSTANCE,
    SHARD_GROUP,
    Resource,
    Rule,
    Settings,
    no_control,
)


def storage_encrypted(resource: Resource, _settings: Settings) -> Iterator[str]:
    value = resource.props.bool("storageEncrypted")
    if value is True or value is UNKNOWN:
        return
    if value is None and inherits(resource):
        # Inherited from the source or snapshot; replicas are compared with their source by the
        # stack rule rds-replica-encryption-matches-source.
        return
    shown = "false" if value is False else "not set"
    yield (
        f"`storageEncrypted` is {shown}; expected true. Data, logs, backups and snapshots would "
        "be stored unencrypted, and encryption can only be chosen at creation. Fix: set "
        "storage_encrypted=True with kms_key_id=<key>.arn; to encrypt an existing database, "
        "snapshot it, copy the snapshot with kms_key_id, and restore from the copy."
    )


# AWS: "DB instance classes that do not support Amazon RDS encryption" and "Encryption at rest is
# not available for DB instances running SQL Server Express Edition".
_UNENCRYPTABLE_CLASS_PREFIXES = ("db.m1.", "db.m2.")
_UNENCRYPTABLE_CLASSES = frozenset({"db.t2.micro"})
_UNENCRYPTABLE_ENGINES = frozenset({"sqlserver-ex"})


def encryptable_engine_class(resource: Resource, _settings: Settings) -> Iterator[str]:
    engine = resource.props.text("engine")
    if isinstance(engine, str) and engine.lower() in _UNENCRYPTABLE_ENGINES:
        yield (
            f"`engine` is `{engine}` (SQL Server Express), which RDS cannot encrypt at rest; "
            "expected an encryptable engine. Fix: use sqlserver-web, sqlserver-se or another "
            "edition."
        )
    klass = resource.props.text("instanceClass")
    if isinstance(klass, str) and (
        klass.lower() in _UNENCRYPTABLE_CLASSES or klass.lower().startswith(_UNENCRYPTABLE_CLASS_PREFIXES)
    ):
        yield (
            f"`instanceClass` is `{klass}`, a class RDS cannot encrypt (db.m1.*, db.m2.*, "
            "db.t2.micro); expected a current-generation class. Fix: use e.g. db.t3.micro or "
            "db.m6g.large."
        )


def backups_enabled(resource: Resource, settings: Settings) -> Iterator[str]:
    if replicates(resource):
        return  # a read replica keeps no backups of its own by default (Security Hub RDS.11 skips them)
    retention = resource.props.number("backupRetentionPeriod")
    if retention is UNKNOWN:
        return
    # Absent means the API default of 1 day; 0 turns automated backups off.
    days = 1.0 if retention is None else retention
    if days >= settings.min_backup_retention:
        return
    shown = "not set (the AWS default: 1 day)" if retention is None else f"{retention:g}"
    where = "production stack" if settings.production else "stack"
    yield (
        f"`backupRetentionPeriod` is {shown}; expected at least {settings.min_backup_retention} days on "
        f"this {where} (minimumBackupRetentionDays / productionMinimumBackupRetentionDays; Security Hub "
        "RDS.11 asks for 7). If RDS loses access to the key the database becomes terminally "
        "inaccessible, and only a backup can restore it. Fix: backup_retention_period="
        f"{settings.min_backup_retention} (up to 35)."
    )


def not_publicly_accessible(resource: Resource, _settings: Settings) -> Iterator[str]:
    if resource.props.bool("publiclyAccessible") is True:
        yield (
            "`publiclyAccessible` is true, so its endpoint resolves to a public IP address and any "
            "security group rule that allows it lets the internet reach the database; expected false. "
            "Fix: publicly_accessible=False, and reach it from inside the VPC (VPN, bastion, Session "
            "Manager)."
        )


def deletion_protection(resource: Resource, settings: Settings) -> Iterator[str]:
    if not settings.production:
        return
    if resource.props.bool("deletionProtection") in (False, None):
        yield (
            f"`deletionProtection` is not true on production stack `{settings.stack}`; expected "
            "true. Fix: set deletion_protection=True."
        )
    if not resource.protect:
        yield (
            f"resource option `protect` is off on production stack `{settings.stack}`; expected "
            "protect=True so `pulumi destroy` or a replacement cannot delete it. Fix: "
            "opts=pulumi.ResourceOptions(protect=True) (children inherit it from a component)."
        )


# The write-only variants are the accepted alternative where RDS cannot manage the password: sent
# to AWS only when their version changes and never read back. They still reach the state: Pulumi
# stores them in the resource's inputs, always encrypted as secrets (pulumi-terraform-bridge #3201).
_PASSWORD_PROPS = {INSTANCE: ("password", "password_wo"), CLUSTER: ("masterPassword", "master_password_wo")}


def _rds_custom(resource: Resource) -> bool:
    # RDS Custom engines (custom-oracle-*, custom-sqlserver-*) cannot have RDS manage the master
    # password in Secrets Manager: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
    engine = resource.props.text("engine")
    return isinstance(engine, str) and engine.lower().startswith("custom-")


def no_plaintext_password(resource: Resource, _settings: Settings) -> Iterator[str]:
    prop, write_only = _PASSWORD_PROPS[resource.type]
    if not resource.props.has(prop):
        return
    if resource.native_type is None:
        kept = "encrypted as a secret by the pulumi-aws SDKs, readable by anyone who can decrypt the state"
    else:
        kept = "in plain text unless the program passes a Pulumi secret: aws-native does not mark it secret"
    where = (
        f"`{prop}` is set, so the program chooses the master password and Pulumi keeps it in the "
        f"state, in the resource's inputs and outputs ({kept})"
    )
    if _rds_custom(resource) and resource.native_type is not None:
        yield (
            f"{where}; expected no password in the program. RDS Custom does not support RDS-managed "
            "master passwords and aws-native has no write-only password. Fix: declare the instance "
            f"with pulumi-aws (aws.rds.Instance with password_wo and password_wo_version, sent only "
            "when the version changes and never read back), or pass the password as a Pulumi secret "
            "read from your secret store."
        )
        return
    if _rds_custom(resource):
        yield (
            f"{where}; expected the write-only `{write_only}`. RDS Custom does not support "
            f"RDS-managed master passwords. Fix: pass the password as {write_only} with "
            f"{write_only}_version, read from your secret store: it is sent only when the version "
            "changes and never read back or kept in outputs (the state's inputs still hold it, "
            "encrypted as a secret)."
        )
        return
    yield (
        f"{where}; expected it unset. Fix: manage_master_user_password=True with "
        "master_user_secret_kms_key_id=<key>.arn, so RDS generates the password and keeps it only in "
        "Secrets Manager under your key."
    )


RULES = (
    Rule(
        id="rds-storage-encrypted",
        policy=AT_REST,
        types=(INSTANCE, CLUSTER, GLOBAL_CLUSTER),
        summary="`storageEncrypted` is true (replicas and restores may inherit it, but never set it false).",
        severity="critical",
        source="AWS Config rds-storage-encrypted / rds-cluster-encrypted-at-rest; Security Hub "
        "RDS.3, RDS.27; checkov CKV_AWS_16, CKV_AWS_96",
        url=RDS_ENCRYPTION_DOC,
        remediation="Set storage_encrypted=True (with kms_key_id). Existing unencrypted databases: "
        "snapshot, copy the snapshot with a customer managed key, restore the copy.",
        check=storage_encrypted,
        controls=("FSBP RDS.3", "FSBP RDS.27", "CIS v5.0.0 2.2.1", "CIS v3.0.0 2.3.1"),
        controls_note="RDS.3 covers instances, RDS.27 clusters. No PCI DSS requirement: storage-level encryption "
        "alone does not render stored PAN unreadable (PCI DSS v4.0.1 3.5.1.2).",
    ),
    Rule(
        id="rds-encryptable-engine-class",
        policy=AT_REST,
        types=(INSTANCE,),
        summary="Engine and instance class support encryption (not sqlserver-ex, db.m1.*, db.m2.*, db.t2.micro).",
        severity="high",
        source="AWS RDS User Guide, Overview.Encryption.Availability",
        url=f"{RDS_ENCRYPTION_DOC}#Overview.Encryption.Availability",
        remediation="Pick an encryptable engine edition and a current-generation instance class.",
        check=encryptable_engine_class,
        controls=("FSBP RDS.3", "CIS v5.0.0 2.2.1", "CIS v3.0.0 2.3.1"),
        controls_note="A precondition of RDS.3: an instance of a class or engine RDS cannot encrypt never passes it.",
    ),
    Rule(
        id="rds-backups-enabled",
        policy=HYGIENE,
        types=(INSTANCE, CLUSTER),
        summary="Databases other than read replicas keep automated backups for at least "
        "minimumBackupRetentionDays (1 day; 7 on production stacks).",
        severity="high",
        source='AWS RDS User Guide, Overview.Encryption ("always enable backups for encrypted '
        'DB instances"); AWS Config db-instance-backup-enabled; Security Hub RDS.11',
        url=f"{RDS_ENCRYPTION_DOC}#Overview.Encryption.Enabling",
        remediation="Set backup_retention_period to the configured minimum or more (up to 35 days).",
        check=backups_enabled,
        controls=("FSBP RDS.11", "Security Hub RDS.50"),
        controls_note="RDS.11 (instances) and RDS.50 (clusters) demand 7 days by default; this rule demands "
        "productionMinimumBackupRetentionDays (7) on production stacks and minimumBackupRetentionDays (1) "
        "elsewhere, and skips read replicas as RDS.11 does.",
        config=("minimumBackupRetentionDays", "productionMinimumBackupRetentionDays", "productionStackPattern"),
    ),
    Rule(
        id="rds-not-publicly-accessible",
        policy=HYGIENE,
        types=(INSTANCE, CLUSTER_INSTANCE, CLUSTER, SHARD_GROUP),
        summary="Instances, cluster instances, Multi-AZ DB clusters and Limitless shard groups are not "
        "`publiclyAccessible`.",
        severity="high",
        source="AWS Config rds-instance-public-access-check; Security Hub RDS.2",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding",
        remediation="publicly_accessible=False; reach the database from inside its VPC.",
        check=not_publicly_accessible,
        controls=("FSBP RDS.2",),
        controls_note="RDS.2 covers DB instances; the rule also reads Multi-AZ DB clusters and Limitless "
        "shard groups, which have the same setting.",
    ),
    Rule(
        id="rds-deletion-protection",
        policy=HYGIENE,
        types=(INSTANCE, CLUSTER, GLOBAL_CLUSTER),
        summary="On production stacks, `deletionProtection` is true and the resource is `protect`ed.",
        severity="medium",
        source="AWS Config rds-instance-deletion-protection-enabled / "
        "rds-cluster-deletion-protection-enabled; Security Hub RDS.7, RDS.8; checkov CKV_AWS_293",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html",
        remediation="Set deletion_protection=True and opts=ResourceOptions(protect=True).",
        check=deletion_protection,
        config=("productionStackPattern",),
        controls=("FSBP RDS.7", "FSBP RDS.8"),
        controls_note="RDS.7 covers clusters, RDS.8 instances; the rule applies on production stacks only.",
    ),
    Rule(
        id="rds-no-plaintext-master-password",
        policy=HYGIENE,
        types=(INSTANCE, CLUSTER),
        summary="No `password`/`masterPassword`: RDS manages the master secret in Secrets Manager (RDS "
        "Custom, which cannot, uses the write-only variant).",
        severity="high",
        source="AWS RDS User Guide, rds-secrets-manager",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html",
        remediation="Use manage_master_user_password=True with master_user_secret_kms_key_id.",
        check=no_plaintext_password,
        controls_note=no_control("AWS guidance on master passwords (rds-secrets-manager)"),
    ),
)
