"""The stack configuration: typed, validated, every problem reported at once before anything exists.

The model is the single source of truth for the project's config keys; ``Pulumi.yaml`` declares
the same keys, types, defaults and descriptions (a test keeps the two equal).
"""

import difflib
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, cast, get_origin

import pulumi
import pulumi.runtime.config as runtime_config
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from components import engines, rules
from components.master_password import check_password_version

PROJECT = "encrypted-rds"
REGION_KEY = "aws:region"


def _rule(check) -> AfterValidator:
    """Turns a rule from components/rules.py into a field validator (one rule, two users)."""

    def validate(value):
        if message := check(value):
            raise ValueError(message)
        return value

    return AfterValidator(validate)


def _key(name: str) -> str:
    return f"{PROJECT}:{name}"


#: The settings that depend on the engine, each with the rule it must meet for that engine.
_ENGINE_RULES: dict[str, Callable[[str, Any], str | None]] = {
    "db_engine_version": engines.check_engine_version,
    "db_instance_class": engines.check_engine_class,
    "db_license_model": engines.check_license_model,
    "db_name": rules.check_db_name,
    "db_log_exports": rules.check_log_exports,
    "replica_instance_class": engines.check_engine_class,
}


class StackConfig(BaseModel):
    """One stack's settings; field aliases are the full config keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    region: Annotated[str, _rule(rules.check_region)] = Field(
        alias=REGION_KEY, description="AWS region of the stack (the aws provider's setting)."
    )
    environment: str = Field(
        alias=_key("environment"),
        pattern=r"^[a-z][a-z0-9-]{0,19}$",
        description="Environment name, used in names and tags (for example dev or prod).",
    )
    protect_resources: bool = Field(
        False,
        alias=_key("protectResources"),
        description="Protect the key and the database from deletion by Pulumi and retain them in AWS when removed from the program.",
    )
    subnet_ids: Annotated[list[str], _rule(rules.check_subnet_ids)] = Field(
        alias=_key("subnetIds"),
        description="Private subnet ids (two or more Availability Zones) for the DB subnet group.",
    )
    security_group_ids: Annotated[list[str], _rule(rules.check_security_group_ids)] = Field(
        alias=_key("securityGroupIds"), description="Security group ids attached to the database."
    )
    kms_key_arn: str = Field(
        "",
        alias=_key("kmsKeyArn"),
        description="ARN of an existing customer managed key to use instead of creating one. Empty: create a key.",
    )
    key_alias: Annotated[str, _rule(lambda alias: alias and rules.check_key_alias(alias))] = Field(
        "", alias=_key("keyAlias"), description="Alias of the created key. Empty: alias/<project>-<stack>."
    )
    key_deletion_window_days: Annotated[int, _rule(rules.check_deletion_window)] = Field(
        30, alias=_key("keyDeletionWindowDays"), description="Days KMS waits before deleting the key (7-30)."
    )
    key_rotation_period_days: Annotated[int, _rule(rules.check_rotation_period)] = Field(
        365, alias=_key("keyRotationPeriodDays"), description="Days between automatic key rotations (90-2560)."
    )
    key_administrator_arns: list[str] = Field(
        [], alias=_key("keyAdministratorArns"), description="IAM role or user ARNs that administer the key."
    )
    key_user_arns: list[str] = Field(
        [], alias=_key("keyUserArns"), description="IAM role or user ARNs allowed to use the key directly."
    )
    db_engine: str = Field(
        "postgres",
        alias=_key("dbEngine"),
        description="Database engine; aurora-postgresql and aurora-mysql create an Aurora cluster.",
    )
    db_engine_version: str = Field(
        "",
        alias=_key("dbEngineVersion"),
        description="Engine version: a major version (RDS picks a recent minor) or a full one. "
        "Empty: the engine's default (components/engines.py).",
    )
    db_instance_class: Annotated[str, _rule(lambda value: value and rules.check_instance_class(value))] = Field(
        "", alias=_key("dbInstanceClass"), description="DB instance class. Empty: the engine's default class."
    )
    db_license_model: str = Field(
        "",
        alias=_key("dbLicenseModel"),
        description="License model (Oracle SE2: license-included or bring-your-own-license). "
        "Empty: the engine's default; none for Aurora.",
    )
    db_identifier: Annotated[str, _rule(lambda name: name and rules.check_identifier(name))] = Field(
        "", alias=_key("dbIdentifier"), description="DB instance or cluster identifier. Empty: <project>-<stack>."
    )
    db_name: str = Field("app", alias=_key("dbName"), description="Database created at launch (empty for SQL Server).")
    db_master_username: Annotated[str, _rule(rules.check_master_username)] = Field(
        "app_admin",
        alias=_key("dbMasterUsername"),
        description="Master user; its password is kept as dbPasswordMode says, never in plain text.",
    )
    db_allocated_storage_gb: int = Field(
        20, alias=_key("dbAllocatedStorageGb"), description="Initial gp3 storage in GiB."
    )
    db_max_allocated_storage_gb: int = Field(
        100, alias=_key("dbMaxAllocatedStorageGb"), description="Storage autoscaling limit in GiB."
    )
    db_backup_retention_days: Annotated[int, _rule(rules.check_backup_retention)] = Field(
        7, alias=_key("dbBackupRetentionDays"), description="Days of automated backups (1-35)."
    )
    db_multi_az: bool = Field(
        False, alias=_key("dbMultiAz"), description="Run a standby in a second Availability Zone."
    )
    db_apply_immediately: bool = Field(
        False,
        alias=_key("dbApplyImmediately"),
        description="Apply database modifications (class, storage, engine version) at once, some with downtime, "
        "instead of in the next maintenance window; a deferred change shows in every preview until it is applied.",
    )
    db_deletion_protection: bool = Field(
        True, alias=_key("dbDeletionProtection"), description="Refuse deletion of the database."
    )
    db_final_snapshot: bool = Field(
        True, alias=_key("dbFinalSnapshot"), description="Take a final snapshot when the database is deleted."
    )
    db_performance_insights: bool = Field(
        False, alias=_key("dbPerformanceInsights"), description="Turn on Performance Insights (on the same key)."
    )
    db_performance_insights_retention_days: Annotated[int, _rule(rules.check_performance_insights_retention)] = Field(
        7, alias=_key("dbPerformanceInsightsRetentionDays"), description="Performance Insights retention in days."
    )
    db_log_exports: list[str] = Field(
        [], alias=_key("dbLogExports"), description="Log types exported to CloudWatch Logs."
    )
    aurora_instance_count: Annotated[int, _rule(rules.check_instance_count)] = Field(
        2, alias=_key("auroraInstanceCount"), description="Instances in an Aurora cluster (1-16)."
    )
    aurora_serverless_capacity: str = Field(
        "0.5-16",
        alias=_key("auroraServerlessCapacity"),
        description="Aurora Serverless v2 capacity range in ACUs, min-max (with dbInstanceClass db.serverless).",
    )

    same_region_replicas: int = Field(
        0, alias=_key("sameRegionReplicas"), ge=0, le=15, description="Read replicas in the stack's region (0-15)."
    )
    replica_instance_class: Annotated[str, _rule(lambda value: value and rules.check_instance_class(value))] = Field(
        "", alias=_key("replicaInstanceClass"), description="Instance class of read replicas. Empty: dbInstanceClass."
    )
    dr_region: str = Field(
        "", alias=_key("drRegion"), description="Disaster recovery region. Empty: no cross-region resources."
    )
    dr_key_mode: Literal["independent", "multi-region"] = Field(
        "independent",
        alias=_key("drKeyMode"),
        description="DR key: an independent key in drRegion, or a replica of a multi-Region primary key.",
    )
    dr_kms_key_arn: str = Field(
        "", alias=_key("drKmsKeyArn"), description="Existing customer managed key in drRegion. Empty: create one."
    )
    dr_replica: bool = Field(
        False, alias=_key("drReplica"), description="Cross-region read replica (Aurora: a global database) in drRegion."
    )
    db_password_mode: Literal["secrets-manager", "write-only"] = Field(
        "secrets-manager",
        alias=_key("dbPasswordMode"),
        description="Where the master password lives: secrets-manager (RDS generates and rotates it in Secrets Manager "
        "under the stack key) or write-only (generated once, kept in the Pulumi state as a secret and in a secret "
        "under the stack key; required with read replicas, except SQL Server, and Aurora global databases).",
    )
    db_password_version: Annotated[int, _rule(check_password_version)] = Field(
        1,
        alias=_key("dbPasswordVersion"),
        description="write-only mode: increase to generate a new master password, apply it to the database and "
        "write it to the secret.",
    )
    dr_automated_backups: bool = Field(
        False, alias=_key("drAutomatedBackups"), description="Replicate automated backups to drRegion."
    )
    dr_snapshot_copy: bool = Field(
        False,
        alias=_key("drSnapshotCopy"),
        description="Copy a baseline snapshot to drRegion under the DR key (instances only).",
    )
    dr_subnet_ids: list[str] = Field(
        [], alias=_key("drSubnetIds"), description="Private subnet ids in drRegion, for the cross-region replica."
    )
    dr_security_group_ids: list[str] = Field(
        [],
        alias=_key("drSecurityGroupIds"),
        description="Security group ids in drRegion, for the cross-region replica.",
    )
    backup_account_ids: Annotated[list[str], _rule(rules.check_account_ids)] = Field(
        [], alias=_key("backupAccountIds"), description="Accounts that receive a shared, encrypted snapshot copy."
    )

    config_recorder_name: str = Field(
        "",
        alias=_key("configRecorderName"),
        description="Name of the account's AWS Config recorder in the region; set it to deploy the detective "
        "AWS Config rules. Empty: no rules (they cannot exist without a recorder).",
    )

    @property
    def is_aurora(self) -> bool:
        return self.db_engine in rules.AURORA_ENGINES

    @property
    def is_global_database(self) -> bool:
        return self.is_aurora and self.dr_replica

    @property
    def engine_version(self) -> str | None:
        """The version sent to RDS; None lets RDS choose its default version of the engine."""
        return self.db_engine_version or engines.default_version(self.db_engine)

    @property
    def instance_class(self) -> str:
        return self.db_instance_class or engines.default_class(self.db_engine, self.is_global_database)

    @property
    def license_model(self) -> str | None:
        return self.db_license_model or engines.default_license(self.db_engine)

    @property
    def replica_class(self) -> str:
        return self.replica_instance_class or self.instance_class

    @property
    def serverless_capacity(self) -> tuple[float, float]:
        """(minimum, maximum) ACUs of auroraServerlessCapacity, which validation has read already."""
        return cast(tuple[float, float], _capacity_range(self.aurora_serverless_capacity))

    @field_validator("key_administrator_arns", "key_user_arns")
    @classmethod
    def _principals_in_the_stack_partition(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if message := rules.check_principal_arns(value, info.data.get("region")):
            raise ValueError(message)
        return value

    @field_validator("kms_key_arn")
    @classmethod
    def _key_in_stack_region(cls, value: str, info: ValidationInfo) -> str:
        if value and (message := rules.check_key_arn(value, info.data.get("region"))):
            raise ValueError(message)
        return value

    @field_validator("db_engine")
    @classmethod
    def _engine_encryptable(cls, value: str) -> str:
        if value not in rules.AURORA_ENGINES and (message := rules.check_instance_engine(value)):
            raise ValueError(message)
        return value

    @field_validator(*_ENGINE_RULES)
    @classmethod
    def _fits_the_engine(cls, value: Any, info: ValidationInfo) -> Any:
        engine = info.data.get("db_engine")
        if value and engine and (message := _ENGINE_RULES[str(info.field_name)](engine, value)):
            raise ValueError(message)
        return value

    @field_validator("db_allocated_storage_gb")
    @classmethod
    def _allocated_storage(cls, value: int, info: ValidationInfo) -> int:
        engine = info.data.get("db_engine")
        if engine in rules.INSTANCE_ENGINES and (message := rules.check_allocated_storage(engine, value)):
            raise ValueError(message)
        return value

    @field_validator("db_max_allocated_storage_gb")
    @classmethod
    def _storage_autoscaling_limit(cls, value: int, info: ValidationInfo) -> int:
        engine, allocated = info.data.get("db_engine"), info.data.get("db_allocated_storage_gb")
        if (
            engine in rules.INSTANCE_ENGINES
            and allocated is not None
            and (message := rules.check_max_allocated_storage(engine, allocated, value))
        ):
            raise ValueError(message)
        return value

    @field_validator("aurora_serverless_capacity")
    @classmethod
    def _serverless_capacity_range(cls, value: str) -> str:
        bounds = _capacity_range(value)
        if bounds is None:
            raise ValueError(f"'{value}' is not a capacity range; write it as min-max in ACUs, such as 0.5-16")
        low, high = bounds
        if message := rules.check_serverless_min_capacity(low) or rules.check_serverless_max_capacity(low, high):
            raise ValueError(message)
        return value

    @field_validator("same_region_replicas")
    @classmethod
    def _aurora_readers_are_cluster_instances(cls, value: int, info: ValidationInfo) -> int:
        engine = info.data.get("db_engine", "")
        if value and engine in rules.AURORA_ENGINES:
            raise ValueError("Aurora readers are cluster instances; set auroraInstanceCount instead of read replicas")
        if value and (message := engines.check_read_replicas(engine)):
            raise ValueError(message)
        return value

    @field_validator("dr_region")
    @classmethod
    def _dr_is_another_region_of_the_partition(cls, value: str, info: ValidationInfo) -> str:
        region = info.data.get("region")
        if not value:
            return value
        if message := rules.check_region(value) or rules.check_same_partition(value, region):
            raise ValueError(message)
        if value == region:
            raise ValueError(f"the DR region must differ from the stack's region {value}; choose another region")
        return value

    @field_validator("dr_key_mode")
    @classmethod
    def _multi_region_needs_the_created_key(cls, value: str, info: ValidationInfo) -> str:
        if value == "multi-region" and info.data.get("kms_key_arn"):
            raise ValueError(
                "multi-region replicates the key this stack creates, but kmsKeyArn names an existing key; "
                "use drKmsKeyArn for an existing DR key, or unset kmsKeyArn"
            )
        return value

    @field_validator("dr_kms_key_arn")
    @classmethod
    def _dr_key_in_dr_region(cls, value: str, info: ValidationInfo) -> str:
        if value and (message := rules.check_key_arn(value, info.data.get("dr_region") or None)):
            raise ValueError(message)
        return value

    @field_validator("dr_replica", "dr_automated_backups", "dr_snapshot_copy")
    @classmethod
    def _dr_needs_a_region(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("dr_region"):
            raise ValueError("needs a DR region; set encrypted-rds:drRegion")
        instance_only = info.field_name in ("dr_automated_backups", "dr_snapshot_copy")
        engine = info.data.get("db_engine", "")
        if value and instance_only and engine in rules.AURORA_ENGINES:
            raise ValueError(
                "automated backup replication and snapshot copies are for DB instances; Aurora DR is drReplica "
                "(global database)"
            )
        if (
            value
            and instance_only
            and (message := rules.check_govcloud_cross_region_copy(info.data.get("region"), info.data.get("dr_region")))
        ):
            raise ValueError(message)
        if value and info.field_name == "dr_replica" and (message := engines.check_read_replicas(engine)):
            raise ValueError(message)
        return value

    @field_validator("backup_account_ids")
    @classmethod
    def _shared_snapshots_are_instance_snapshots(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if value and info.data.get("db_engine") in rules.AURORA_ENGINES:
            raise ValueError("snapshot sharing here shares DB instance snapshots; Aurora clusters are not supported")
        return value

    @field_validator("db_password_mode")
    @classmethod
    def _password_mode_allows_the_replicas(cls, value: str, info: ValidationInfo) -> str:
        # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html ("Limitations"):
        # no read replica of a source whose password Secrets Manager manages (except RDS for SQL
        # Server), and no Secrets Manager-managed password in an Aurora global database.
        engine = info.data.get("db_engine", "")
        aurora = engine in rules.AURORA_ENGINES
        replicas = info.data.get("same_region_replicas") or info.data.get("dr_replica")
        replicable = not aurora and rules.check_replica_password_mode(engine, source_password_managed=True) is None
        if value == "secrets-manager" and replicas and not replicable:
            what = "an Aurora global database" if aurora else f"a {engine} source of read replicas"
            raise ValueError(
                f"Secrets Manager cannot manage the master password of {what}; set it to write-only. On an existing "
                "database this moves the master secret to a new ARN (export masterUserSecretArn): update what reads it"
            )
        return value

    @field_validator("dr_subnet_ids")
    @classmethod
    def _dr_replica_subnets(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("dr_replica") and (message := rules.check_subnet_ids(value)):
            raise ValueError(f"{message} (the cross-region replica needs subnets of the DR region)")
        return value

    @field_validator("dr_security_group_ids")
    @classmethod
    def _dr_replica_security_groups(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("dr_replica") and (message := rules.check_security_group_ids(value)):
            raise ValueError(f"{message} (the cross-region replica needs groups of the DR region)")
        return value

    @model_validator(mode="after")
    def _global_database_version_and_class(self) -> "StackConfig":
        """An Aurora global database pins one version in every region and runs on memory-optimized classes.

        https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html
        """
        if not self.is_global_database:
            return self
        problems = []
        if not self.db_engine_version:
            # The engines' defaults are major versions at most, and a global cluster needs a full one.
            problems.append(
                (
                    "db_engine_version",
                    self.db_engine_version,
                    f"an Aurora global database runs one full engine version in every region, which no default gives; "
                    f"set one that supports global databases, such as {engines.ENGINES[self.db_engine].example_version} "
                    f"(aws rds describe-db-engine-versions --engine {self.db_engine} "
                    "--query 'DBEngineVersions[?SupportsGlobalDatabases].EngineVersion')",
                )
            )
        elif message := rules.check_global_engine_version(self.db_engine, self.db_engine_version):
            problems.append(("db_engine_version", self.db_engine_version, message))
        if message := engines.check_global_database_class(self.instance_class):
            problems.append(("db_instance_class", self.db_instance_class, message))
        if problems:
            raise _located(problems)
        return self


class ConfigError(pulumi.RunError):
    """Every problem of a stack's configuration, each naming its key and the fix."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"Invalid configuration for stack '{stack}' ({len(problems)} problem(s)); no resource was created:\n{lines}"
        )


def _capacity_range(value: str) -> tuple[float, float] | None:
    """'0.5-16' -> (0.5, 16.0); None for what does not read as two numbers."""
    low, dash, high = value.partition("-")
    try:
        return (float(low), float(high)) if dash else None
    except ValueError:
        return None


def _located(problems: list[tuple[str, Any, str]]) -> ValidationError:
    """Errors found across fields, each reported under the key that holds the value to change."""
    return ValidationError.from_exception_data(
        StackConfig.__name__,
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{error}", {"error": message}),
                loc=(StackConfig.model_fields[field].alias or field,),
                input=value,
            )
            for field, value, message in problems
        ],
    )


_FIELD_BY_KEY = {field.alias: name for name, field in StackConfig.model_fields.items() if field.alias}


def known_keys() -> list[str]:
    return list(_FIELD_BY_KEY)


def _describe(error: dict[str, Any]) -> str:
    key = str(error["loc"][0]) if error["loc"] else "configuration"
    kind = error["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, known_keys(), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"{key}: unknown config key; {hint}fix the name or remove it (pulumi config rm {key})"
    if kind == "missing":
        return f"{key}: is required; set it with: pulumi config set {key} <value>"
    if kind == "value_error":
        return f"{key}: {error['ctx']['error']}"
    return f"{key}: {error['msg']} (got {error['input']!r}); fix the value's type or form"


def _decode(key: str, raw: Any) -> Any:
    """Config values arrive as strings and arrays as JSON; what does not decode goes to pydantic as-is."""
    field = StackConfig.model_fields.get(_FIELD_BY_KEY.get(key, ""))
    if field is not None and get_origin(field.annotation) is list and isinstance(raw, str):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def stack_config_values() -> dict[str, Any]:
    """This project's keys and the region, from the engine (PULUMI_CONFIG) or the test runtime."""
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return {
        key: _decode(key, value) for key, value in values.items() if key.startswith(f"{PROJECT}:") or key == REGION_KEY
    }


def parse_stack_config(values: dict[str, Any], stack: str) -> StackConfig:
    try:
        return StackConfig.model_validate(values)
    except ValidationError as error:
        raise ConfigError(stack, [_describe(e) for e in error.errors()]) from None


def load_stack_config() -> StackConfig:
    return parse_stack_config(stack_config_values(), pulumi.get_stack())


def project_config_declarations() -> dict[str, dict[str, Any]]:
    """The `config:` block Pulumi.yaml must carry for this model (types, defaults, descriptions)."""
    declarations: dict[str, dict[str, Any]] = {}
    for field in StackConfig.model_fields.values():
        if not field.alias or not field.alias.startswith(f"{PROJECT}:"):
            continue
        annotation = field.annotation
        if get_origin(annotation) is list:
            declaration: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
        else:
            plain = str if get_origin(annotation) is Literal else annotation
            declaration = {"type": {bool: "boolean", int: "integer", str: "string"}[plain]}
        declaration["description"] = field.description
        if not field.is_required():
            declaration["default"] = field.default
        declarations[field.alias.split(":", 1)[1]] = declaration
    return declarations
