"""Which key encrypts RDS data: a customer managed key, named by its ARN (resource rules).

Every rule here decides on the resource's own inputs. A key property whose value is unknown at
preview comes from another resource's output, so it is not the AWS managed key (that one is
only reachable through the literal ``alias/aws/<service>``): those rules abstain and the stack
rules in ``replicas.py`` judge the key through ``propertyDependencies``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .lineage import SOURCES, Source, inherits, same_region
from .props import UNKNOWN, parse_key_id
from .rule import (
    AT_REST,
    BACKUP_REPLICATION,
    CLUSTER,
    CLUSTER_INSTANCE,
    COPIES,
    INSTANCE,
    REPLACED_EVERY_UPDATE,
    Resource,
    ResourceCheck,
    Rule,
    Settings,
    no_control,
)

RDS_ENCRYPTION_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"


class KeyProp(NamedTuple):
    prop: str
    purpose: str  # what the key encrypts, for messages
    aws_key: str  # the AWS managed key used when the property is not set
    python_arg: str
    # What pulumi-aws does with anything but a key ARN here (terraform-provider-aws
    # internal/service/rds instance.go, cluster.go): None if it takes any key identifier.
    not_an_arn: str | None
    # The property naming the region the key must be in, when not the resource's own.
    region_prop: str | None = None


STORAGE_KEY = KeyProp(
    "kmsKeyId",
    "storage, automated backups and snapshots",
    "aws/rds",
    "kms_key_id",
    # kms_key_id: ForceNew, ValidateFunc verify.ValidARN, read back from AWS.
    "pulumi-aws accepts only an ARN here, and for an alias ARN AWS records the key's ARN, which the "
    "provider reads back; kmsKeyId forces replacement when it changes, so every update would "
    "replace the resource",
)
PI_KEY = KeyProp(
    "performanceInsightsKmsKeyId",
    "Performance Insights data",
    "aws/rds",
    "performance_insights_kms_key_id",
    # performance_insights_kms_key_id: not ForceNew, ValidateFunc verify.ValidARN, read back.
    "pulumi-aws accepts only an ARN here, and for an alias ARN AWS reports the key's ARN, so every "
    "update shows a change and asks AWS to change the key in place (the property does not force "
    "replacement)",
)
SECRET_KEY = KeyProp(
    "masterUserSecretKmsKeyId",
    "the master user secret in Secrets Manager",
    "aws/secretsmanager",
    "master_user_secret_kms_key_id",
    # master_user_secret_kms_key_id: not ForceNew, ValidateFunc verify.ValidKMSKeyID (key ID, key
    # ARN, alias name or alias ARN) and never read back: an alias is as good as an ARN.
    None,
)
# aws-native DbInstance replicates its automated backups itself (pulumi-aws uses a separate
# InstanceAutomatedBackupsReplication resource, judged through its kmsKeyId).
BACKUP_REPLICA_KEY = KeyProp(
    "automaticBackupReplicationKmsKeyId",
    "replicated automated backups",
    "aws/rds",
    "automatic_backup_replication_kms_key_id",
    None,
    "automaticBackupReplicationRegion",
)
PULUMI_AWS_KEY_PROPS = (STORAGE_KEY, PI_KEY, SECRET_KEY)
KEY_PROPS = (*PULUMI_AWS_KEY_PROPS, BACKUP_REPLICA_KEY)


def key_props(resource: Resource) -> tuple[KeyProp, ...]:
    """The key properties this resource can have."""
    return KEY_PROPS if resource.native_type is not None else PULUMI_AWS_KEY_PROPS


def storage_key_required(resource: Resource) -> bool:
    """Whether this resource must name its own storage key (rather than inherit one)."""
    if resource.type in (INSTANCE, CLUSTER):
        # Replicas and restores keep their source's key (same region) or are judged by the stack
        # rules. Aurora may encrypt a new cluster by default with an AWS owned key, so an encrypted
        # cluster still needs an explicit customer managed key.
        return resource.props.bool("storageEncrypted") is not False and not inherits(resource)
    if resource.type in COPIES:
        # A same-region copy keeps its source snapshot's key (CopyDBSnapshot KmsKeyId) and is
        # judged by its source; a cross-region copy must name a key in its own region.
        return cross_region_copy(resource)
    return resource.type == BACKUP_REPLICATION


def cross_region_copy(resource: Resource) -> bool:
    """Provably copied from another region: the source ARN names one, the copy is elsewhere."""
    spec = SOURCES[resource.type][0]
    value = resource.props.text(spec.prop)
    return same_region(resource, Source(spec.kind, spec.prop, value, None)) is False


def _required(resource: Resource, key: KeyProp) -> bool:
    if key is STORAGE_KEY:
        return storage_key_required(resource)
    if key is BACKUP_REPLICA_KEY:
        replicated = resource.props.text("automaticBackupReplicationRegion")
        return isinstance(replicated, str) and resource.props.bool("storageEncrypted") is not False
    enabled = "performanceInsightsEnabled" if key is PI_KEY else "manageMasterUserPassword"
    return resource.props.bool(enabled) is True


def _unset(resource: Resource, key: KeyProp) -> str:
    """What leaving ``key`` unset does to this resource."""
    if key is STORAGE_KEY and resource.type in COPIES:
        return (
            f"is not set on a copy from another region; a key does not cross regions, so the copy "
            f"must name one in {resource.region}"
        )
    if (key is STORAGE_KEY and resource.type == BACKUP_REPLICATION) or key is BACKUP_REPLICA_KEY:
        return "is not set, but replicated backups are encrypted only with a key named in their own region"
    return f"is not set, so {key.purpose} use the AWS managed key `{key.aws_key}`"


def _cmk_problem(resource: Resource, key: KeyProp) -> str | None:
    value = resource.props.text(key.prop)
    if value is UNKNOWN:
        return None
    fix = f"Fix: pass {key.python_arg}=<aws.kms.Key>.arn of a customer managed key"
    if value is None:
        if not _required(resource, key):
            return None
        return f"`{key.prop}` {_unset(resource, key)}; expected the ARN of a customer managed key. {fix}."
    if parse_key_id(value).is_aws_managed:
        return (
            f"`{key.prop}` is the AWS managed key `{value}`, which you cannot control, rotate on "
            f"your schedule or share; expected the ARN of a customer managed key. {fix}."
        )
    return None


def _cmk_rule(*keys: KeyProp) -> ResourceCheck:
    def check(resource: Resource, _settings: Settings) -> Iterator[str]:
        for key in keys:
            if key not in key_props(resource):
                continue
            problem = _cmk_problem(resource, key)
            if problem:
                yield problem

    return check


def kms_key_arn(resource: Resource, _settings: Settings) -> Iterator[str]:
    for key in key_props(resource):
        value = resource.props.text(key.prop)
        if key.not_an_arn is None or not isinstance(value, str):
            continue
        parsed = parse_key_id(value)
        if parsed.kind == "key-arn" or parsed.is_aws_managed:
            continue
        what = "an alias" if parsed.is_alias else "a bare key ID"
        yield (
            f"`{key.prop}` is {what} (`{value}`); expected a key ARN "
            f"(arn:aws:kms:<region>:<account>:key/<id>): {key.not_an_arn}. "
            f"Fix: pass {key.python_arg}=<aws.kms.Key>.arn, or the alias's target_key_arn."
        )


_CMK_SOURCE = "AWS RDS User Guide, Overview.Encryption"
RULES = (
    Rule(
        id="rds-customer-managed-key",
        policy=AT_REST,
        types=(INSTANCE, CLUSTER, *COPIES, BACKUP_REPLICATION),
        summary="Encrypted instances, clusters, cross-region snapshot copies and backup replications "
        "name a customer managed key in `kmsKeyId` (not missing, not `alias/aws/rds`); so does an "
        "aws-native DbInstance in `automaticBackupReplicationKmsKeyId` when it replicates its backups.",
        severity="high",
        source=f"{_CMK_SOURCE}; checkov CKV_AWS_327 (clusters)",
        url=RDS_ENCRYPTION_DOC,
        remediation="Create an aws.kms.Key (rotation on) and pass kms_key_id=key.arn. The key of a "
        "database cannot be changed: snapshot, copy the snapshot with the new key, restore.",
        check=_cmk_rule(STORAGE_KEY, BACKUP_REPLICA_KEY),
        controls=("FSBP RDS.4",),
        controls_note="For snapshot copies it enforces RDS.4 (a copy made with a key is encrypted). For databases no "
        "Security Hub, CIS or PCI DSS control requires a customer managed key: RDS.3 and RDS.27 "
        "accept the AWS managed key.",
    ),
    Rule(
        id="rds-performance-insights-cmk",
        policy=AT_REST,
        types=(INSTANCE, CLUSTER, CLUSTER_INSTANCE),
        summary="With Performance Insights on, `performanceInsightsKmsKeyId` is a customer managed key.",
        severity="high",
        source="AWS RDS User Guide, USER_PerfInsights.access-control.cmk-policy; checkov CKV_AWS_354",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.access-control.cmk-policy.html",
        remediation="Pass performance_insights_kms_key_id=key.arn when enabling Performance "
        "Insights; the key cannot be changed afterwards.",
        check=_cmk_rule(PI_KEY),
        controls_note=no_control("The key of Performance Insights data is AWS guidance"),
    ),
    Rule(
        id="rds-master-secret-cmk",
        policy=AT_REST,
        types=(INSTANCE, CLUSTER),
        summary="With `manageMasterUserPassword`, `masterUserSecretKmsKeyId` is a customer managed key.",
        severity="high",
        source="AWS RDS User Guide, rds-secrets-manager; checkov CKV_AWS_149 (secrets on CMK)",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html",
        remediation="Pass master_user_secret_kms_key_id=key.arn with manage_master_user_password.",
        check=_cmk_rule(SECRET_KEY),
        controls_note=no_control("The key of the RDS-managed master user secret is AWS guidance"),
    ),
    Rule(
        id="rds-kms-key-arn",
        policy=AT_REST,
        types=(INSTANCE, CLUSTER, CLUSTER_INSTANCE, *COPIES, BACKUP_REPLICATION),
        summary="`kmsKeyId` and `performanceInsightsKmsKeyId` hold a key ARN, not an alias or bare key "
        "ID (the master user secret key may be any key identifier: the provider accepts and keeps it).",
        severity="medium",
        source="terraform-provider-aws internal/service/rds instance.go, cluster.go (kms_key_id ForceNew + "
        "ValidARN; performance_insights_kms_key_id ValidARN)",
        url=RDS_ENCRYPTION_DOC,
        remediation="Pass key.arn or alias.target_key_arn (not key.key_id, alias.name or alias.arn).",
        check=kms_key_arn,
        controls_note=REPLACED_EVERY_UPDATE,
    ),
)
