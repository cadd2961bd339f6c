"""AWS rules for encrypted RDS, as small pure functions.

Each check takes plain values and returns ``None`` when the value is acceptable, or one
sentence saying what is wrong and how to fix it. The same functions validate the stack
configuration (``stack_config.py``) and the components' arguments, so a rule is written once.
"""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
import importlib.util
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from .engines import CLASS_PATTERN, ENGINES, SERVERLESS_CLASS, is_full_version, max_storage_gb

#: Engines an ``EncryptedDatabase`` (one RDS DB instance) can run, encrypted.
INSTANCE_ENGINES = frozenset(engine for engine, spec in ENGINES.items() if not spec.aurora)
#: Engines an ``EncryptedCluster`` (Aurora) can run.
AURORA_ENGINES = frozenset(engine for engine, spec in ENGINES.items() if spec.aurora)

# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
# ("Availability of Amazon RDS encryption"): these classes do not support encryption, and
# "Encryption at rest is not available for DB instances running SQL Server Express Edition".
UNENCRYPTABLE_ENGINES = frozenset({"sqlserver-ex"})
UNENCRYPTABLE_CLASS_PATTERN = re.compile(r"^db\.(m1\.[a-z0-9]+|m2\.[a-z0-9]+|t2\.micro)$")

# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html
# and the per-engine pages it links: the log types each engine can publish to CloudWatch Logs.
LOG_EXPORTS_BY_ENGINE: dict[str, frozenset[str]] = {
    "postgres": frozenset({"postgresql", "upgrade", "iam-db-auth-error"}),
    "mysql": frozenset({"audit", "error", "general", "slowquery", "iam-db-auth-error"}),
    "mariadb": frozenset({"audit", "error", "general", "slowquery", "iam-db-auth-error"}),
    "oracle": frozenset({"alert", "audit", "listener", "trace", "oemagent"}),
    "sqlserver": frozenset({"agent", "error"}),
    "aurora-postgresql": frozenset({"postgresql", "instance", "iam-db-auth-error"}),
    "aurora-mysql": frozenset({"audit", "error", "general", "slowquery", "iam-db-auth-error"}),
}


@functools.cache
def regions_by_partition() -> dict[str, frozenset[str]]:
    """AWS regions per partition (aws, aws-cn, aws-us-gov, ...), from botocore's endpoint data.

    botocore ships the regions of every partition in data/partitions.json and is released as
    regions open; the file is read directly, without importing botocore.
    """
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        raise RuntimeError("botocore is not installed; it provides the list of AWS regions (pip install botocore)")
    data = json.loads((Path(spec.origin).parent / "data" / "partitions.json").read_text())
    return {
        partition["id"]: frozenset(region for region in partition["regions"] if not region.endswith("-global"))
        for partition in data["partitions"]
    }


def region_partition(region: str) -> str | None:
    """The partition a region belongs to (us-gov-west-1 -> aws-us-gov), or None for an unknown region."""
    return next((partition for partition, regions in regions_by_partition().items() if region in regions), None)


_PARTITION = "|".join(re.escape(partition) for partition in sorted(regions_by_partition(), key=len, reverse=True))
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
# https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN: a key ARN
# names its region and account; the key id is a UUID, or mrk-<32 hex> for a multi-Region key.
_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
KEY_ARN_PATTERN = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):kms:(?P<region>{_REGION}):(?P<account>\d{{12}}):key/{_KEY_ID}$"
)
_BARE_KEY_ID_PATTERN = re.compile(rf"^{_KEY_ID}$")
_IAM_PRINCIPAL_PATTERN = re.compile(rf"^arn:(?:{_PARTITION}):iam::\d{{12}}:(?:root|role/\S+|user/\S+)$")
ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}$")


def _listing(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def engine_family(engine: str) -> str:
    """The engine family that decides log types and naming rules (``oracle-se2`` -> ``oracle``)."""
    for family in ("oracle", "sqlserver"):
        if engine.startswith(family + "-"):
            return family
    return engine


def check_instance_engine(engine: str) -> str | None:
    if engine in UNENCRYPTABLE_ENGINES:
        return (
            f"engine '{engine}' (SQL Server Express) cannot be encrypted at rest; "
            "use sqlserver-web, sqlserver-se or sqlserver-ee"
        )
    if engine in AURORA_ENGINES:
        return f"engine '{engine}' is Aurora, whose encryption is set on the cluster; use an EncryptedCluster"
    if engine not in INSTANCE_ENGINES:
        return f"engine '{engine}' is not supported; use one of {_listing(INSTANCE_ENGINES)}"
    return None


def check_aurora_engine(engine: str) -> str | None:
    if engine not in AURORA_ENGINES:
        return f"engine '{engine}' is not an Aurora engine; use one of {_listing(AURORA_ENGINES)}"
    return None


def check_instance_class(instance_class: str) -> str | None:
    if instance_class != SERVERLESS_CLASS and not CLASS_PATTERN.match(instance_class):
        return f"'{instance_class}' is not a DB instance class; use a class such as db.t4g.micro or db.r7g.large"
    if UNENCRYPTABLE_CLASS_PATTERN.match(instance_class):
        return (
            f"instance class '{instance_class}' does not support encryption at rest "
            "(db.m1.*, db.m2.* and db.t2.micro do not); use a current class such as db.t4g.micro or db.m7g.large"
        )
    return None


def check_key_arn(value: str, expected_region: str | None) -> str | None:
    """A key reference must be the ARN of a customer managed key in the resource's region.

    RDS stores the key ARN; an alias or key id shows a diff that forces replacement on every
    run, and the AWS managed ``aws/rds`` key cannot be shared, re-keyed or governed by a policy
    of ours (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html).
    """
    fix = "pass the key ARN (arn:aws:kms:<region>:<account>:key/<key-id>) of a customer managed key"
    if value in ("aws/rds", "alias/aws/rds") or value.endswith(":alias/aws/rds"):
        return f"'{value}' is the AWS managed key aws/rds, which cannot be governed or shared; {fix}"
    if value.startswith("alias/") or ":alias/" in value:
        return f"'{value}' is a key alias; RDS stores the key ARN, so an alias forces a replacement on every run; {fix}"
    if _BARE_KEY_ID_PATTERN.match(value):
        return f"'{value}' is a bare key id; {fix}"
    match = KEY_ARN_PATTERN.match(value)
    if not match:
        return f"'{value}' is not a KMS key ARN; {fix}"
    if problem := _check_arn_partition(value, match["partition"], match["region"]):
        return problem
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html: KMS keys are
    # specific to the region they are created in; an encrypted resource needs a key of its region.
    if expected_region and match["region"] != expected_region:
        return (
            f"key '{value}' is in {match['region']} but the resource is in {expected_region}; "
            f"KMS keys are regional: use a key created in {expected_region}"
        )
    return None


def key_arn_region(value: str) -> str | None:
    match = KEY_ARN_PATTERN.match(value)
    return match["region"] if match else None


def check_region(region: str) -> str | None:
    if region_partition(region):
        return None
    known = sorted(set().union(*regions_by_partition().values()))
    close = difflib.get_close_matches(region, known, n=1, cutoff=0.8)
    hint = f"did you mean {close[0]}? " if close else ""
    return (
        f"'{region}' is not an AWS region name; {hint}use a region such as us-east-1 or eu-west-1 "
        f"(regions come from botocore {importlib.metadata.version('botocore')}; a region opened since needs a newer botocore)"
    )


def check_same_partition(region: str, other_region: str | None) -> str | None:
    """Two regions that must share a partition.

    https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html:
    partitions are isolated; IAM principals, keys and replication do not cross them.
    """
    partition, other = region_partition(region), region_partition(other_region or "")
    if partition and other and partition != other:
        return (
            f"{region} is in partition {partition} but {other_region} is in {other}; resources in one partition "
            f"cannot reach another (no replication, keys or snapshots across): choose a region of {other}"
        )
    return None


def check_backup_retention(days: int) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html ("Important"):
    # if RDS loses access to the key, the instance can only be restored from a backup. 35 is the
    # RDS maximum (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html).
    if days < 1:
        return (
            f"backup retention {days} turns automated backups off; an encrypted database that loses "
            "its key can only be restored from a backup: use 1 to 35 days"
        )
    if days > 35:
        return f"backup retention {days} exceeds the RDS maximum of 35 days; use 1 to 35 days"
    return None


def check_deletion_window(days: int) -> str | None:
    # https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html: 7 to 30 days.
    if not 7 <= days <= 30:
        return f"deletion window {days} days is outside what KMS allows; use 7 to 30 days (30 recommended)"
    return None


def check_rotation_period(days: int) -> str | None:
    # https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html: 90 to 2560 days.
    if not 90 <= days <= 2560:
        return f"rotation period {days} days is outside what KMS allows; use 90 to 2560 days (365 is the default)"
    return None


def check_key_alias(alias: str) -> str | None:
    # https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName): 1-256
    # characters matching ^[a-zA-Z0-9:/_-]+$, beginning with alias/; alias/aws/ is reserved for AWS
    # managed keys (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html).
    if alias.startswith("alias/aws/"):
        return f"alias '{alias}' uses the prefix alias/aws/, reserved for AWS managed keys; choose another name"
    if not re.match(r"^alias/[a-zA-Z0-9:/_-]{1,250}$", alias):
        return f"alias '{alias}' must be 'alias/' followed by 1-250 letters, digits, ':', '/', '_' or '-'"
    return None


def _check_arn_partition(arn: str, partition: str, region: str | None) -> str | None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html: an ARN names the partition
    # of its resource (aws, aws-cn, aws-us-gov); a key policy or resource naming another partition's
    # ARN refers to nothing that exists there.
    if not region:
        return None
    expected = region_partition(region)
    if expected is None:
        return f"'{arn}' names {region}, which is not an AWS region"
    if partition != expected:
        return f"'{arn}' is in partition {partition} but {region} is in {expected}; use arn:{expected}:... ARNs"
    return None


def check_principal_arns(arns: Sequence[str], region: str | None = None) -> str | None:
    """IAM principals given in a key policy; with a region, they must be of that region's partition."""
    bad = [arn for arn in arns if not _IAM_PRINCIPAL_PATTERN.match(arn)]
    if bad:
        return (
            f"{_listing(bad)} are not IAM role, user or account-root ARNs; "
            "use ARNs such as arn:aws:iam::123456789012:role/DatabaseAdmins (no wildcards)"
        )
    partition = region_partition(region or "")
    other = [arn for arn in arns if partition and arn.split(":")[1] != partition]
    if other:
        return (
            f"{_listing(other)} are not in partition {partition} of {region}; IAM principals of another "
            f"partition cannot be named in this key's policy: use arn:{partition}:iam::<account>:... ARNs"
        )
    return None


def check_account_ids(account_ids: Sequence[str]) -> str | None:
    bad = [account for account in account_ids if not ACCOUNT_ID_PATTERN.match(account)]
    if bad:
        return f"{_listing(bad)} are not AWS account ids; use 12-digit account ids (and never 'all', which is public)"
    return None


def _not_lowercase(kind: str, value: str) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html: RDS stores
    # identifiers "as a lowercase string" (instances, clusters, snapshots alike), and the provider
    # reads them back: terraform-provider-aws refuses upper case in instance and cluster identifiers,
    # and an upper-case snapshot identifier (replace-on-change) would be replaced on every update.
    if value != value.lower():
        return (
            f"{kind} '{value}' has upper-case letters, but RDS stores identifiers in lower case; use '{value.lower()}'"
        )
    return None


def check_identifier(identifier: str) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    # (DBInstanceIdentifier; DBClusterIdentifier has the same constraints).
    if problem := _not_lowercase("identifier", identifier):
        return problem
    if not re.match(r"^[a-z](?:[a-z0-9]|-(?!-)){0,62}$", identifier) or identifier.endswith("-"):
        return (
            f"identifier '{identifier}' must be 1-63 lower-case letters, digits or hyphens, start with a letter, "
            "and contain no '--' and no trailing '-'"
        )
    return None


def check_master_username(username: str) -> str | None:
    # CreateDBInstance MasterUsername: starts with a letter, letters/digits/underscore; 16 is the
    # strictest engine limit (MySQL), so the rule holds for every engine this project supports.
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$", username):
        return f"master username '{username}' must be 1-16 letters, digits or '_' and start with a letter"
    if username.lower() == "rdsadmin":
        return "master username 'rdsadmin' is reserved for RDS's own maintenance user; choose another name"
    return None


def check_db_name(engine: str, db_name: str) -> str | None:
    # CreateDBInstance DBName: SQL Server takes none; Oracle takes the SID (<= 8 alphanumerics).
    family = engine_family(engine)
    if not db_name:
        return None
    if family == "sqlserver":
        return "SQL Server creates no database at launch, so a database name cannot be set; leave it empty"
    if family == "oracle":
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9]{0,7}$", db_name):
            return f"Oracle database name (SID) '{db_name}' must be 1-8 letters or digits, starting with a letter"
        return None
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$", db_name):
        return f"database name '{db_name}' must be 1-63 letters, digits or '_' and start with a letter"
    return None


def _storage_limit(engine: str) -> int:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html: gp3 volumes of 20 GiB to
    # 64 TiB, 16 TiB for RDS for SQL Server (engines.py holds each engine's maximum).
    return max_storage_gb(engine) or 65536


def check_allocated_storage(engine: str, allocated_gb: int) -> str | None:
    limit = _storage_limit(engine)
    if not 20 <= allocated_gb <= limit:
        return f"allocated storage {allocated_gb} GiB is outside the 20 to {limit} GiB that {engine} allows on gp3"
    return None


def check_max_allocated_storage(engine: str, allocated_gb: int, max_allocated_gb: int) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html: "You must set
    # the maximum storage threshold to at least 10% more than the current allocated storage".
    minimum = allocated_gb + -(-allocated_gb // 10)
    limit = _storage_limit(engine)
    if max_allocated_gb < minimum:
        return (
            f"storage autoscaling limit {max_allocated_gb} GiB must be at least 10% above the allocated "
            f"{allocated_gb} GiB; use {minimum} GiB or more (AWS recommends 26% above, to avoid early warnings)"
        )
    if max_allocated_gb > limit:
        return f"storage autoscaling limit {max_allocated_gb} GiB exceeds the {limit} GiB that {engine} allows"
    return None


def check_performance_insights_retention(days: int) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Overview.cost.html:
    # 7 days (free tier), or a number of months times 31, up to 731 (2 years).
    if days == 7 or (days % 31 == 0 and 31 <= days <= 713) or days == 731:
        return None
    return f"Performance Insights retention {days} days is not allowed; use 7, a multiple of 31 up to 713, or 731"


def check_log_exports(engine: str, exports: Sequence[str]) -> str | None:
    allowed = LOG_EXPORTS_BY_ENGINE.get(engine_family(engine))
    if allowed is None:
        return None
    unknown = [log for log in exports if log not in allowed]
    if unknown:
        return f"{_listing(unknown)} cannot be exported by {engine}; choose from {_listing(allowed)}"
    return None


def check_subnet_ids(subnet_ids: Sequence[str]) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html:
    # a DB subnet group needs subnets in at least two Availability Zones.
    bad = [subnet for subnet in subnet_ids if not re.match(r"^subnet-[0-9a-f]{8,17}$", subnet)]
    if bad:
        return f"{_listing(bad)} are not subnet ids; use ids such as subnet-0123456789abcdef0"
    if len(set(subnet_ids)) < 2:
        return "a DB subnet group needs subnets in at least two Availability Zones; list two or more private subnet ids"
    return None


def check_security_group_ids(group_ids: Sequence[str]) -> str | None:
    bad = [group for group in group_ids if not re.match(r"^sg-[0-9a-f]{8,17}$", group)]
    if bad:
        return f"{_listing(bad)} are not security group ids; use ids such as sg-0123456789abcdef0"
    if not group_ids:
        return (
            "no security group given, so RDS would attach the VPC's default group; list at least one security group id"
        )
    return None


def check_replica_source(encrypted: bool, backup_retention_days: int) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html ("Limitations"):
    # no encrypted read replica of an unencrypted DB instance (nor the reverse).
    if not encrypted:
        return (
            "the source is not encrypted, and an unencrypted instance cannot have an encrypted replica; "
            "migrate the source onto encryption first (EncryptedMigration)"
        )
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Create.html: automatic
    # backups must be on for the source (a retention period other than 0).
    if backup_retention_days < 1:
        return (
            "the source has automated backups off, which read replicas require; set its backup retention to 1-35 days"
        )
    return None


def check_replica_password_mode(source_engine: str, source_password_managed: bool) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html ("Limitations"):
    # no read replica of a source that manages its master password with Secrets Manager, for every
    # engine except RDS for SQL Server.
    if source_password_managed and engine_family(source_engine) != "sqlserver":
        return (
            f"the {source_engine} source manages its master password with Secrets Manager, and AWS cannot create "
            "a read replica of it (only SQL Server can); give the source password_mode write-only"
        )
    return None


def check_same_region_replica_key(kms_key_arn: str, source_kms_key_arn: str | None) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html: a replica in
    # the source's region is encrypted with the source's key; no other key is possible.
    if source_kms_key_arn is None:
        return "a replica in the source's region uses the source's key; leave kms_key_arn out"
    if kms_key_arn != source_kms_key_arn:
        return (
            f"key '{kms_key_arn}' differs from the source's key '{source_kms_key_arn}'; a replica in the source's "
            "region is always encrypted with the source's key: leave kms_key_arn out"
        )
    return None


def check_multi_region_primary(primary_key_arn: str, replica_region: str | None) -> str | None:
    # https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html: only a
    # multi-Region key (id mrk-...) can be replicated, and only into a region it is not in yet.
    if problem := check_key_arn(primary_key_arn, None):
        return problem
    if ":key/mrk-" not in primary_key_arn:
        return f"'{primary_key_arn}' is a single-Region key; replicate a multi-Region key (EncryptionKey multi_region)"
    if replica_region and key_arn_region(primary_key_arn) == replica_region:
        return f"the primary key is already in {replica_region}; a replica key goes to another region"
    return None


def check_global_engine_version(engine: str, version: str) -> str | None:
    """An Aurora global database is created on a full engine version, not a major one.

    terraform-provider-aws global_cluster.go reads the engine version back as AWS reports it (the
    full version) and, unlike clusters and instances, keeps no configured major-only prefix: a
    global cluster given "16" would show a change and call ModifyGlobalCluster on every update.
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-upgrade.html:
    every cluster of a global database runs the same engine version.
    """
    if engine in AURORA_ENGINES and not is_full_version(engine, version):
        return (
            f"'{version}' is not a full {engine} version; an Aurora global database needs one (such as "
            f"{ENGINES[engine].example_version}): the provider reads the full version back and would otherwise modify "
            "the global cluster on every update"
        )
    return None


# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html:
# ACUs in steps of 0.5; MinCapacity 0 (on versions with auto-pause) or 0.5 and up; MaxCapacity up to
# 256 (128 on older versions) and above 0.5.
def _half_steps(acu: float) -> bool:
    return acu * 2 == int(acu * 2)


def check_serverless_min_capacity(min_acu: float) -> str | None:
    if not _half_steps(min_acu) or not 0 <= min_acu <= 256:
        return f"minimum capacity {min_acu} ACUs must be 0 (auto-pause) or 0.5 to 256 in steps of 0.5, such as 0.5"
    return None


def check_serverless_max_capacity(min_acu: float, max_acu: float) -> str | None:
    if not _half_steps(max_acu) or not 1 <= max_acu <= 256:
        return f"maximum capacity {max_acu} ACUs must be 1 to 256 (128 on older versions) in steps of 0.5, such as 16"
    if max_acu < min_acu:
        return f"maximum capacity {max_acu} ACUs is below the minimum {min_acu}; raise it or lower the minimum"
    return None


def check_instance_count(count: int) -> str | None:
    if not 1 <= count <= 16:
        return f"instance count {count} is outside Aurora's 1 writer plus up to 15 readers; use 1 to 16"
    return None


# --- Snapshot copies, sharing, imports and migrations; AWS Config rules --------------------------

# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html
# (TargetDBSnapshotIdentifier): 1-255 letters, digits or hyphens, first a letter, no '--' and no
# trailing '-'. A source may also be an automated snapshot (rds:<name>) or an AWS Backup one.
_SNAPSHOT_NAME = r"(?:rds:|awsbackup:)?[a-z][a-z0-9-]*"
SNAPSHOT_ARN_PATTERN = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):rds:(?P<region>{_REGION}):(?P<account>\d{{12}}):snapshot:(?P<name>{_SNAPSHOT_NAME})$"
)
#: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html: "You can share a
#: manual snapshot with up to 20 other AWS accounts."
MAX_SHARED_ACCOUNTS = 20
#: The engines whose option groups can hold Transparent Data Encryption (TDE, a persistent option).
TDE_ENGINE_FAMILIES = frozenset({"oracle", "sqlserver"})


def snapshot_arn_region(source: str | None) -> str | None:
    """The region of a snapshot named by ARN; an identifier names one of the copy's own region."""
    match = SNAPSHOT_ARN_PATTERN.match(source or "")
    return match["region"] if match else None


def check_snapshot_identifier(identifier: str) -> str | None:
    if problem := _not_lowercase("snapshot identifier", identifier):
        return problem
    if not re.match(r"^[a-z](?:[a-z0-9]|-(?!-)){0,254}$", identifier) or identifier.endswith("-"):
        return (
            f"snapshot identifier '{identifier}' must be 1-255 lower-case letters, digits or hyphens, start with a letter, "
            "and contain no '--' and no trailing '-'"
        )
    return None


def check_snapshot_source(source: str, copy_region: str | None, default_region: str | None) -> str | None:
    """The source of a DB snapshot copy: a DB snapshot ARN, or an identifier in the copy's own region."""
    fix = "name it by ARN: arn:aws:rds:<region>:<account>:snapshot:<name>"
    if problem := _not_lowercase("snapshot", source):
        return problem
    if source.startswith("arn:"):
        if ":cluster-snapshot:" in source:
            return f"'{source}' is a DB cluster snapshot (Aurora); these components copy DB instance snapshots only"
        if not SNAPSHOT_ARN_PATTERN.match(source):
            return f"'{source}' is not a DB snapshot ARN; {fix}"
        return None
    if not re.match(rf"^{_SNAPSHOT_NAME}$", source):
        return f"'{source}' is neither a DB snapshot ARN nor a snapshot identifier; {fix}"
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html: the copy is made
    # by the destination region, so a source in another region (or account) is named by its ARN.
    if copy_region and default_region and copy_region != default_region:
        return (
            f"'{source}' is an identifier, which RDS looks up in {copy_region}, the copy's region; "
            f"a copy from another region must {fix}"
        )
    return None


def check_govcloud_cross_region_copy(source_region: str | None, destination_region: str | None) -> str | None:
    """Encrypted copies between AWS GovCloud (US) Regions need a presigned URL the provider cannot make.

    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html (PreSignedUrl):
    "This setting applies only to AWS GovCloud (US) Regions ... You must specify this parameter when
    you copy an encrypted DB snapshot from another AWS Region"; the same holds for
    StartDBInstanceAutomatedBackupsReplication. pulumi-aws (terraform-provider-aws snapshot_copy.go,
    instance_automated_backups_replication.go) never sets SourceRegion, so the SDK generates no URL and
    AWS refuses the copy. A URL made by hand is replace-on-change and expires, so it is not offered.
    """
    if not destination_region or not destination_region.startswith("us-gov-"):
        return None
    if source_region and source_region != destination_region:
        return (
            f"an encrypted copy from {source_region} to {destination_region} between AWS GovCloud (US) Regions needs a "
            "presigned URL that pulumi-aws does not generate, so AWS would refuse it; copy within one region, or copy "
            "across regions with the AWS CLI (aws rds copy-db-snapshot --source-region) and import the copy"
        )
    return None


def check_shared_accounts(account_ids: Sequence[str], own_account_id: str | None = None) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html: "You
    # can't share encrypted snapshots as public" ('all' is public).
    if "all" in account_ids:
        return (
            "'all' makes the snapshot public, which AWS refuses for encrypted snapshots and which would expose "
            "the data to every AWS account; list the 12-digit account ids that may copy it"
        )
    if problem := check_account_ids(account_ids):
        return problem
    if len(set(account_ids)) > MAX_SHARED_ACCOUNTS:
        return (
            f"{len(set(account_ids))} accounts exceed the {MAX_SHARED_ACCOUNTS} a manual snapshot can be shared with; "
            "share copies with the rest"
        )
    if own_account_id and own_account_id in account_ids:
        return f"{own_account_id} is this account, which owns the snapshot already; list only other accounts"
    return None


def check_share_recipients(account_ids: Sequence[str], own_account_id: str | None = None) -> str | None:
    if not account_ids:
        return "no account listed, so nothing would be shared; list the 12-digit account ids that may copy the snapshot"
    return check_shared_accounts(account_ids, own_account_id)


def check_snapshot_engine(engine: str) -> str | None:
    """The engine of a DB (instance) snapshot that is copied under a key and shared."""
    if engine in AURORA_ENGINES:
        return (
            f"engine '{engine}' is Aurora, whose snapshots are DB cluster snapshots; "
            "these components copy and share DB instance snapshots only"
        )
    return check_instance_engine(engine)


def check_snapshot_shareable(tde_enabled: bool, engine: str | None) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html: "You can't
    # share Oracle or Microsoft SQL Server snapshots that are encrypted using Transparent Data
    # Encryption (TDE)"; USER_ShareSnapshot.html: no sharing with persistent or permanent options (TDE).
    if not tde_enabled:
        return None
    if engine and engine_family(engine) not in TDE_ENGINE_FAMILIES:
        return f"TDE exists only for Oracle and SQL Server, not {engine}; set tde_enabled only for those engines"
    return (
        "a snapshot of an instance with the TDE option cannot be shared (TDE is a persistent option); "
        "move the data with a native backup or export, or AWS DMS, instead"
    )


def check_shared_snapshot_arn(source: str, own_account_id: str | None) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html: a snapshot
    # shared by another account is named by its ARN.
    match = SNAPSHOT_ARN_PATTERN.match(source)
    if not match:
        return (
            f"'{source}' is not a DB snapshot ARN; a snapshot shared by another account is named by its ARN "
            "(arn:aws:rds:<region>:<owner-account>:snapshot:<name>)"
        )
    if own_account_id and match["account"] == own_account_id:
        return f"'{source}' belongs to this account ({own_account_id}), so it is not shared; copy it with an EncryptedSnapshotCopy"
    return None


def check_importing_key(key_arn: str, source_arn: str | None, own_account_id: str | None) -> str | None:
    """The key the receiving account copies a shared snapshot under must be its own.

    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html ("Copy the
    shared snapshot in the target account"): the copy under the target's own key no longer depends on
    the sharing account's key, which that account can disable or stop sharing at any time.
    """
    key = KEY_ARN_PATTERN.match(key_arn)
    if not key:
        return None
    source = SNAPSHOT_ARN_PATTERN.match(source_arn or "")
    if source and key["account"] == source["account"] and key["account"] != own_account_id:
        return (
            f"key '{key_arn}' belongs to account {key['account']}, which shared the snapshot; copy under a key of "
            "this account so the copy stops depending on the other account's key"
        )
    if own_account_id and key["account"] != own_account_id:
        return f"key '{key_arn}' belongs to account {key['account']}, not this account {own_account_id}; use a key of this account"
    return None


def check_migration_engine(engine: str) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html
    # (KmsKeyId): an unencrypted Aurora cluster snapshot restores straight into a cluster encrypted
    # with the given key, so Aurora needs no copy step and no EncryptedMigration.
    if engine in AURORA_ENGINES:
        return (
            f"engine '{engine}' is Aurora: restore its cluster snapshot straight into an encrypted cluster "
            "(aws.rds.Cluster with snapshot_identifier, storage_encrypted and kms_key_id); EncryptedMigration "
            "migrates DB instances, whose restore cannot set a key"
        )
    return check_instance_engine(engine)


def check_new_identifier(identifier: str, source_identifier: str | None) -> str | None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html
    # (DBInstanceIdentifier): identifiers are unique in an account and region and not case-sensitive.
    if source_identifier and identifier.lower() == source_identifier.lower():
        return (
            f"'{identifier}' is the identifier of the instance being migrated, which keeps running until cutover; "
            "give the encrypted instance a new identifier"
        )
    return None


def check_config_recorder_name(name: str) -> str | None:
    # https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigRule.html: without a
    # configuration recorder in the account and region, PutConfigRule fails with
    # NoAvailableConfigurationRecorderException; recorder names are 1-256 characters
    # (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationRecorder.html).
    if not name.strip() or len(name) > 256:
        return (
            f"'{name}' is not a configuration recorder name; AWS Config rules need a recorder recording in this "
            "account and region: give its name (1-256 characters, such as default)"
        )
    return None


def check_config_rule_name(name: str) -> str | None:
    # https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html: ConfigRuleName is
    # 1-128 characters.
    if not name.strip() or len(name) > 128:
        return f"rule name '{name}' must be 1-128 characters; shorten name_prefix"
    return None
