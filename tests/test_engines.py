"""Every engine the project accepts deploys with a version, class and license AWS takes, or is refused by key."""

import pytest
from conftest import CLUSTER, CLUSTER_INSTANCE, INSTANCE

from components import engines, rules

ENGINES = sorted(engines.ENGINES)
SQL_SERVER = {"sqlserver-ee", "sqlserver-se", "sqlserver-web"}
ORACLE = {"oracle-ee", "oracle-ee-cdb", "oracle-se2", "oracle-se2-cdb"}
# The dev stack with the project's defaults for class and log exports (dev sets both for postgres).
PROJECT_DEFAULTS = {"encrypted-rds:dbInstanceClass": None, "encrypted-rds:dbLogExports": None}


def keys_named(message: str) -> set[str]:
    return {line.split(": ")[0].removeprefix("  - ") for line in message.splitlines() if line.startswith("  - ")}


def test_the_table_covers_exactly_the_engines_the_project_accepts():
    assert set(engines.ENGINES) == rules.INSTANCE_ENGINES | rules.AURORA_ENGINES
    assert rules.AURORA_ENGINES == {"aurora-mysql", "aurora-postgresql"}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_row_cites_the_aws_pages_it_comes_from(engine):
    sources = engines.ENGINES[engine].sources
    assert sources and all(source.startswith("https://docs.aws.amazon.com/") for source in sources)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_default_passes_the_engine_s_own_rules(engine):
    spec = engines.ENGINES[engine]
    assert engines.check_engine_class(engine, spec.default_class) is None
    assert rules.check_instance_class(spec.default_class) is None
    assert engines.check_engine_version(engine, spec.example_version) is None
    if spec.default_version:
        assert engines.check_engine_version(engine, spec.default_version) is None
    if spec.license_models:
        assert engines.check_license_model(engine, spec.license_models[0]) is None


@pytest.mark.parametrize("engine", sorted(rules.INSTANCE_ENGINES - SQL_SERVER))
def test_changing_only_the_engine_deploys_its_default_version_class_and_license(engine, deploy):
    instance = deploy("dev", {**PROJECT_DEFAULTS, "encrypted-rds:dbEngine": engine}).one(INSTANCE).inputs
    spec = engines.ENGINES[engine]
    assert instance["engine"] == engine
    assert instance["engineVersion"] == spec.default_version
    assert instance["instanceClass"] == spec.default_class
    assert instance["licenseModel"] == spec.license_models[0]


@pytest.mark.parametrize("engine", sorted(SQL_SERVER))
def test_sql_server_needs_only_an_empty_database_name_besides_the_engine(engine, rejected, deploy):
    message, _ = rejected("dev", {**PROJECT_DEFAULTS, "encrypted-rds:dbEngine": engine})
    assert keys_named(message) == {"encrypted-rds:dbName"}
    overrides = {**PROJECT_DEFAULTS, "encrypted-rds:dbEngine": engine, "encrypted-rds:dbName": ""}
    instance = deploy("dev", overrides).one(INSTANCE).inputs
    assert (instance["engineVersion"], instance["instanceClass"], instance["licenseModel"]) == (
        "16.00",
        engines.ENGINES[engine].default_class,
        "license-included",
    )


@pytest.mark.parametrize("engine", sorted(rules.AURORA_ENGINES))
def test_changing_only_the_engine_to_aurora_deploys_a_cluster_of_its_default_class_and_version(engine, deploy):
    run = deploy("dev", {**PROJECT_DEFAULTS, "encrypted-rds:dbEngine": engine})
    spec = engines.ENGINES[engine]
    assert run.one(CLUSTER).inputs.get("engineVersion") == spec.default_version
    assert {i.inputs["instanceClass"] for i in run.of_type(CLUSTER_INSTANCE)} == {"db.t4g.medium"}
    assert all("licenseModel" not in i.inputs for i in run.of_type(CLUSTER_INSTANCE))


# Secrets Manager cannot manage the password of a source of read replicas (rds-secrets-manager.html).
WRITE_ONLY_PASSWORD = {"encrypted-rds:dbPasswordMode": "write-only"}

# What the dev stack (postgres on db.t4g.micro with postgresql logs) needs changed besides dbEngine.
DEV_WITH_ANOTHER_ENGINE = {
    "mysql": {"dbLogExports"},
    "mariadb": {"dbLogExports"},
    **{engine: {"dbInstanceClass", "dbLogExports"} for engine in ORACLE},
    **{engine: {"dbInstanceClass", "dbName", "dbLogExports"} for engine in SQL_SERVER},
    "aurora-mysql": {"dbInstanceClass", "dbLogExports"},
    "aurora-postgresql": {"dbInstanceClass"},
}


@pytest.mark.parametrize("engine", sorted(DEV_WITH_ANOTHER_ENGINE))
def test_changing_only_the_engine_of_dev_names_each_key_to_change_and_creates_nothing(engine, rejected):
    message, run = rejected("dev", {"encrypted-rds:dbEngine": engine})
    assert keys_named(message) == {f"encrypted-rds:{key}" for key in DEV_WITH_ANOTHER_ENGINE[engine]}
    assert run.resources == []


def test_dev_is_postgres_so_changing_nothing_deploys():
    assert set(DEV_WITH_ANOTHER_ENGINE) | {"postgres"} == set(ENGINES)


def engine_overrides(engine: str) -> dict:
    overrides = {**PROJECT_DEFAULTS, "encrypted-rds:dbEngine": engine}
    if engine in SQL_SERVER:
        overrides["encrypted-rds:dbName"] = ""
    return overrides


@pytest.mark.parametrize("engine", ENGINES)
def test_a_full_version_of_the_engine_is_sent_as_given(engine, deploy):
    version = engines.ENGINES[engine].example_version
    run = deploy("dev", {**engine_overrides(engine), "encrypted-rds:dbEngineVersion": version})
    resource = run.one(CLUSTER if engine in rules.AURORA_ENGINES else INSTANCE)
    assert resource.inputs["engineVersion"] == version


@pytest.mark.parametrize("engine", ENGINES)
def test_a_version_in_another_form_is_refused_naming_the_version_key(engine, rejected):
    message, run = rejected("dev", {**engine_overrides(engine), "encrypted-rds:dbEngineVersion": "latest"})
    assert keys_named(message) == {"encrypted-rds:dbEngineVersion"}
    assert f"'latest' is not a version of {engine}" in message
    assert run.resources == []


# (engine, version of another engine or form) pairs AWS refuses.
FOREIGN_VERSIONS = [
    ("mysql", "16"),
    ("mariadb", "8"),
    ("postgres", "8.0"),
    ("oracle-ee", "19.3"),
    ("sqlserver-se", "2022"),
    ("aurora-mysql", "16.4"),
    ("aurora-postgresql", "16"),
]


@pytest.mark.parametrize(("engine", "version"), FOREIGN_VERSIONS)
def test_a_version_of_another_engine_is_refused(engine, version, rejected):
    message, _ = rejected("dev", {**engine_overrides(engine), "encrypted-rds:dbEngineVersion": version})
    assert f"encrypted-rds:dbEngineVersion: '{version}' is not a version of {engine}" in message


# (engine, class AWS does not run it on, words of the reason)
FOREIGN_CLASSES = [
    ("oracle-ee", "db.r7g.large", "RDS for Oracle runs on no AWS Graviton (g) class"),
    ("oracle-se2", "db.t3.micro", "db.t3.micro is deprecated for RDS for Oracle"),
    ("oracle-ee", "db.r4.large", "db.r4 is deprecated for RDS for Oracle"),
    ("sqlserver-web", "db.t4g.small", "RDS for SQL Server runs on no AWS Graviton (g) class"),
    ("sqlserver-ee", "db.m5.large", "SQL Server Enterprise Edition needs m5.xlarge or larger"),
    ("sqlserver-ee", "db.t3.large", "SQL Server Enterprise Edition needs t3.xlarge or larger"),
    ("sqlserver-se", "db.t3.large", "SQL Server Standard Edition needs t3.xlarge or larger"),
    ("sqlserver-web", "db.t3.micro", "SQL Server Web Edition needs t3.small or larger"),
    ("postgres", "db.r5.large.tpc1.mem2x", "exist only for RDS for Oracle"),
    ("mysql", "db.serverless", "db.serverless is Aurora Serverless v2, not a class of mysql"),
    ("aurora-mysql", "db.t4g.micro", "Aurora's burstable classes are db.t3/db.t4g medium and large"),
    ("aurora-postgresql", "db.m6g.large", "Aurora runs on db.serverless, memory-optimized"),
]


@pytest.mark.parametrize(("engine", "instance_class", "words"), FOREIGN_CLASSES)
def test_a_class_the_engine_does_not_run_on_is_refused_naming_the_class_key(engine, instance_class, words, rejected):
    message, run = rejected("dev", {**engine_overrides(engine), "encrypted-rds:dbInstanceClass": instance_class})
    line = next(line for line in message.splitlines() if line.startswith("  - encrypted-rds:dbInstanceClass: "))
    assert words in line and f"use a class such as {engines.ENGINES[engine].default_class}" in line
    assert run.resources == []


@pytest.mark.parametrize(
    ("engine", "instance_class"),
    [
        ("oracle-ee", "db.r5.large.tpc1.mem2x"),
        ("oracle-se2", "db.r5b.4xlarge.tpc2.mem2x"),
        ("oracle-ee", "db.m7i.metal-24xl"),
        ("sqlserver-se", "db.t3.xlarge"),
        ("sqlserver-web", "db.r5.large"),
        ("aurora-mysql", "db.r8gd.large"),
        ("aurora-postgresql", "db.x2g.large"),
    ],
)
def test_classes_aws_lists_for_the_engine_are_accepted(engine, instance_class, deploy):
    run = deploy("dev", {**engine_overrides(engine), "encrypted-rds:dbInstanceClass": instance_class})
    resource = run.of_type(CLUSTER_INSTANCE)[0] if engine in rules.AURORA_ENGINES else run.one(INSTANCE)
    assert resource.inputs["instanceClass"] == instance_class


def test_oracle_standard_edition_2_can_bring_its_own_license(deploy):
    overrides = {**engine_overrides("oracle-se2"), "encrypted-rds:dbLicenseModel": "bring-your-own-license"}
    assert deploy("dev", overrides).one(INSTANCE).inputs["licenseModel"] == "bring-your-own-license"


@pytest.mark.parametrize(
    ("engine", "license_model", "words"),
    [
        ("oracle-ee", "license-included", "use bring-your-own-license"),
        ("sqlserver-se", "bring-your-own-license", "use license-included"),
        ("postgres", "general-public-license", "use postgresql-license"),
        ("aurora-mysql", "general-public-license", "takes no license model"),
    ],
)
def test_a_license_model_the_edition_does_not_have_is_refused(engine, license_model, words, rejected):
    message, _ = rejected("dev", {**engine_overrides(engine), "encrypted-rds:dbLicenseModel": license_model})
    line = next(line for line in message.splitlines() if line.startswith("  - encrypted-rds:dbLicenseModel: "))
    assert words in line


@pytest.mark.parametrize(
    ("engine", "overrides"),
    [
        ("oracle-se2", {"encrypted-rds:sameRegionReplicas": 1}),
        ("oracle-se2-cdb", {"encrypted-rds:sameRegionReplicas": 2}),
        ("sqlserver-se", {"encrypted-rds:sameRegionReplicas": 1}),
        ("sqlserver-web", {"encrypted-rds:sameRegionReplicas": 1}),
    ],
)
def test_read_replicas_of_editions_without_them_are_refused(engine, overrides, rejected):
    message, _ = rejected("dev", {**engine_overrides(engine), **overrides, **WRITE_ONLY_PASSWORD})
    assert keys_named(message) == {"encrypted-rds:sameRegionReplicas"}
    assert "has read replicas only in Enterprise Edition" in message


def test_a_cross_region_replica_of_oracle_standard_edition_2_is_refused_on_dr_replica(rejected):
    dr = {
        "encrypted-rds:drRegion": "us-west-2",
        "encrypted-rds:drReplica": True,
        "encrypted-rds:drSubnetIds": ["subnet-0e1d2c3b4a5f60001", "subnet-0e1d2c3b4a5f60002"],
        "encrypted-rds:drSecurityGroupIds": ["sg-0e1d2c3b4a5f60001"],
    }
    message, _ = rejected("dev", {**engine_overrides("oracle-se2"), **dr, **WRITE_ONLY_PASSWORD})
    assert keys_named(message) == {"encrypted-rds:drReplica"}


def test_oracle_enterprise_edition_gets_its_replicas(deploy):
    run = deploy("dev", {**engine_overrides("oracle-ee"), "encrypted-rds:sameRegionReplicas": 1, **WRITE_ONLY_PASSWORD})
    assert len(run.of_type(INSTANCE)) == 2


@pytest.mark.parametrize(
    ("engine", "allocated", "maximum", "key", "words"),
    [
        ("sqlserver-se", 20000, 30000, "dbAllocatedStorageGb", "outside the 20 to 16384 GiB that sqlserver-se allows"),
        ("sqlserver-ee", 1000, 20000, "dbMaxAllocatedStorageGb", "exceeds the 16384 GiB that sqlserver-ee allows"),
        ("mysql", 1000, 70000, "dbMaxAllocatedStorageGb", "exceeds the 65536 GiB that mysql allows"),
    ],
)
def test_storage_beyond_the_engine_s_maximum_is_refused_on_the_key_that_holds_it(
    engine, allocated, maximum, key, words, rejected
):
    storage = {"encrypted-rds:dbAllocatedStorageGb": allocated, "encrypted-rds:dbMaxAllocatedStorageGb": maximum}
    message, _ = rejected("dev", {**engine_overrides(engine), **storage})
    assert keys_named(message) == {f"encrypted-rds:{key}"}
    assert words in message


def test_sql_server_takes_16_tib(deploy):
    storage = {"encrypted-rds:dbAllocatedStorageGb": 1000, "encrypted-rds:dbMaxAllocatedStorageGb": 16384}
    instance = deploy("dev", {**engine_overrides("sqlserver-se"), **storage}).one(INSTANCE).inputs
    assert instance["maxAllocatedStorage"] == 16384


def test_aurora_serverless_v2_cluster_gets_the_stack_s_capacity_range(deploy):
    overrides = {
        **engine_overrides("aurora-postgresql"),
        "encrypted-rds:dbInstanceClass": "db.serverless",
        "encrypted-rds:auroraServerlessCapacity": "1-8",
    }
    run = deploy("dev", overrides)
    assert run.one(CLUSTER).inputs["serverlessv2ScalingConfiguration"] == {"minCapacity": 1, "maxCapacity": 8}
    assert {i.inputs["instanceClass"] for i in run.of_type(CLUSTER_INSTANCE)} == {"db.serverless"}


@pytest.mark.parametrize(
    ("capacity", "words"),
    [("16", "is not a capacity range"), ("0.3-16", "steps of 0.5"), ("8-4", "is below the minimum")],
)
def test_a_serverless_capacity_aurora_does_not_allow_is_refused(capacity, words, rejected):
    overrides = {**engine_overrides("aurora-mysql"), "encrypted-rds:auroraServerlessCapacity": capacity}
    message, _ = rejected("dev", overrides)
    assert keys_named(message) == {"encrypted-rds:auroraServerlessCapacity"}
    assert words in message


# prod, as an Aurora global database: prod's instance-only DR features turned off.
GLOBAL_DATABASE = {
    "encrypted-rds:dbInstanceClass": None,
    "encrypted-rds:dbLogExports": None,
    "encrypted-rds:sameRegionReplicas": 0,
    "encrypted-rds:drAutomatedBackups": False,
    "encrypted-rds:drSnapshotCopy": False,
    "encrypted-rds:backupAccountIds": [],
}


def test_global_database_defaults_to_a_memory_optimized_class(deploy):
    version = {"encrypted-rds:dbEngine": "aurora-mysql", "encrypted-rds:dbEngineVersion": "8.0.mysql_aurora.3.08.0"}
    run = deploy("prod", {**GLOBAL_DATABASE, **version})
    assert run.one("aws:rds/globalCluster:GlobalCluster").inputs["engineVersion"] == "8.0.mysql_aurora.3.08.0"
    assert {i.inputs["instanceClass"] for i in run.of_type(CLUSTER_INSTANCE)} == {engines.GLOBAL_DATABASE_DEFAULT_CLASS}


@pytest.mark.parametrize("engine", sorted(rules.AURORA_ENGINES))
def test_global_database_needs_a_full_version_which_no_default_gives(engine, rejected):
    message, run = rejected("prod", {**GLOBAL_DATABASE, "encrypted-rds:dbEngine": engine})
    assert keys_named(message) == {"encrypted-rds:dbEngineVersion"}
    assert "an Aurora global database runs one full engine version in every region" in message
    assert run.resources == []


def test_global_database_refuses_a_major_version_naming_the_version_key(rejected):
    version = {"encrypted-rds:dbEngine": "aurora-mysql", "encrypted-rds:dbEngineVersion": "8.0"}
    message, _ = rejected("prod", {**GLOBAL_DATABASE, **version})
    assert keys_named(message) == {"encrypted-rds:dbEngineVersion"}
    assert "'8.0' is not a full aurora-mysql version" in message


def test_global_database_on_a_burstable_class_is_refused_naming_the_class(rejected):
    overrides = {
        **GLOBAL_DATABASE,
        "encrypted-rds:dbEngine": "aurora-mysql",
        "encrypted-rds:dbEngineVersion": "8.0.mysql_aurora.3.08.0",
        "encrypted-rds:dbInstanceClass": "db.t4g.medium",
    }
    message, _ = rejected("prod", overrides)
    assert keys_named(message) == {"encrypted-rds:dbInstanceClass"}
    assert "needs memory-optimized classes" in message
