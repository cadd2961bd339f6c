"""Every engine the project accepts, in one table: versions, instance classes, licenses and limits.

A row says what RDS accepts for one engine and what this project picks when the user does not:
a version (a major version, from which RDS picks a recent minor, or ``None`` for RDS's own default
version of the engine), an instance class the engine runs on, and a license model valid for the
edition. Each row lists the AWS pages it comes from; the checks below read nothing but the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
_AURORA = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
# Valid LicenseModel values per engine ("RDS for Oracle - bring-your-own-license | license-included",
# "RDS for Microsoft SQL Server - license-included", ...); Aurora takes none.
_LICENSES = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
# Maximum storage: 64 TiB, "Microsoft SQL Server - 16 TiB".
_STORAGE = _RDS + "CHAP_Storage.html"

#: The Aurora Serverless v2 instance class: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.Types.html
SERVERLESS_CLASS = "db.serverless"
# db.<type><generation><attributes>.<size>, and RDS for Oracle's preconfigured classes such as
# db.r5.large.tpc1.mem2x (threads per core, memory ratio): Oracle.Concepts.InstanceClasses.html.
CLASS_PATTERN = re.compile(
    r"^db\.(?P<family>(?P<type>[a-z]+)\d+(?P<attributes>[a-z-]*))\.(?P<size>[a-z0-9-]+)(?P<preconfigured>\.tpc\d\.mem\d+x)?$"
)
_SIZES = ("micro", "small", "medium", "large")


def size_rank(size: str) -> int:
    """micro < small < medium < large < xlarge < 2xlarge < ... < metal."""
    if size in _SIZES:
        return _SIZES.index(size)
    if match := re.fullmatch(r"(\d*)xlarge", size):
        return len(_SIZES) + int(match[1] or 1)
    return 1000


@dataclass(frozen=True)
class DbClass:
    name: str
    type: str
    family: str
    size: str
    graviton: bool
    preconfigured: bool


def db_class(name: str) -> DbClass | None:
    match = CLASS_PATTERN.match(name)
    if not match:
        return None
    return DbClass(
        name=name,
        type=match["type"],
        family=match["family"],
        size=match["size"],
        # AWS Graviton classes carry a "g" among the attributes after the generation: t4g, m6gd, r8g, x2g.
        graviton="g" in match["attributes"],
        preconfigured=bool(match["preconfigured"]),
    )


ClassRule = Callable[[DbClass], str | None]


def _open_source_classes(klass: DbClass) -> str | None:
    if klass.preconfigured:
        return "the preconfigured .tpcN.memNx classes exist only for RDS for Oracle"
    return None


def _oracle_classes(klass: DbClass) -> str | None:
    # Oracle.Concepts.InstanceClasses.html: no Graviton class in any edition's table; "Deprecated Oracle
    # DB instance classes": db.m1-m4, db.t3.micro (12.1 only), db.t1, db.t2, db.r1-r4.
    if klass.graviton:
        return "RDS for Oracle runs on no AWS Graviton (g) class"
    if klass.name == "db.t3.micro":
        return "db.t3.micro is deprecated for RDS for Oracle (it ran only the deprecated 12.1)"
    if re.fullmatch(r"[mr][1-4]|t[12]", klass.family):
        return f"db.{klass.family} is deprecated for RDS for Oracle"
    return None


def _sqlserver_classes(edition: str, smallest_t3: str, smallest: str) -> ClassRule:
    # SQLServer.Concepts.General.InstanceClasses.html: no Graviton class, and a smallest size per
    # edition (Enterprise: xlarge; Standard: db.t3.xlarge or large; Web: db.t3.small or large).
    def rule(klass: DbClass) -> str | None:
        if klass.graviton:
            return "RDS for SQL Server runs on no AWS Graviton (g) class"
        if klass.preconfigured:
            return "the preconfigured .tpcN.memNx classes exist only for RDS for Oracle"
        minimum = smallest_t3 if klass.family == "t3" else smallest
        if size_rank(klass.size) < size_rank(minimum):
            return f"SQL Server {edition} Edition needs {klass.family}.{minimum} or larger"
        return None

    return rule


def _aurora_classes(klass: DbClass) -> str | None:
    # Concepts.DBInstanceClass.SupportAurora.html: db.serverless, memory-optimized db.r* and db.x2g,
    # and the burstable db.t3/db.t4g only in medium and large.
    if klass.type not in ("r", "x", "t") or klass.preconfigured:
        return "Aurora runs on db.serverless, memory-optimized db.r*/db.x2g and db.t3/db.t4g medium or large classes"
    if klass.type == "t" and (klass.family not in ("t3", "t4g") or klass.size not in ("medium", "large")):
        return "Aurora's burstable classes are db.t3/db.t4g medium and large"
    return None


@dataclass(frozen=True)
class EngineSpec:
    engine: str
    aurora: bool
    #: A major version (RDS then picks a recent minor of it), or None: RDS's own default version.
    default_version: str | None
    #: The forms RDS accepts: a major version (None where AWS documents none), or a full version such
    #: as example_version.
    major_pattern: str | None
    full_pattern: str
    example_version: str
    default_class: str
    class_rule: ClassRule
    #: Valid license models, the default first; none for Aurora.
    license_models: tuple[str, ...]
    read_replicas: bool
    #: The most storage an instance can have; None for Aurora, whose cluster storage grows by itself.
    max_storage_gb: int | None
    sources: tuple[str, ...]


def _open_source(
    engine: str,
    default_version: str,
    major_pattern: str,
    full_pattern: str,
    example_version: str,
    license_model: str,
    versions_page: str,
) -> EngineSpec:
    return EngineSpec(
        engine=engine,
        aurora=False,
        default_version=default_version,
        major_pattern=major_pattern,
        full_pattern=full_pattern,
        example_version=example_version,
        default_class="db.t4g.micro",
        class_rule=_open_source_classes,
        license_models=(license_model,),
        read_replicas=True,
        max_storage_gb=65536,
        sources=(_RDS + versions_page, _RDS + "Concepts.DBInstanceClass.Support.html", _LICENSES, _STORAGE),
    )


def _oracle(engine: str, license_models: tuple[str, ...], read_replicas: bool) -> EngineSpec:
    return EngineSpec(
        engine=engine,
        aurora=False,
        # USER_Oracle_Releases.html: a major version such as 19 gets a recent release update of it.
        # Release updates are named 19.0.0.0.ru-2025-01.rur-2025-01.r1, from July 2026 ...mrp-<date>.rN,
        # and spatial patch bundles ...spb-N.rN (OracleReleaseNotes/oracle-version-19-0.html).
        default_version="19",
        major_pattern=r"\d{2}",
        full_pattern=r"\d{2}\.\d+\.\d+\.\d+\.ru-\d{4}-\d{2}\.(rur-\d{4}-\d{2}|mrp-\d{4}-\d{2}|spb-\d+)\.r\d+",
        example_version="19.0.0.0.ru-2025-01.rur-2025-01.r1",
        # db.m5.large is in the table of every edition and license (Oracle.Concepts.InstanceClasses.html).
        default_class="db.m5.large",
        class_rule=_oracle_classes,
        license_models=license_models,
        read_replicas=read_replicas,
        max_storage_gb=65536,
        sources=(
            _RDS + "USER_Oracle_Releases.html",
            _RDS + "Oracle.Concepts.InstanceClasses.html",
            _RDS + "Oracle.Concepts.Licensing.html",
            _RDS + "oracle-read-replicas.limitations.html",
            _LICENSES,
            _STORAGE,
        ),
    )


def _sqlserver(engine: str, edition: str, default_class: str, smallest_t3: str, smallest: str) -> EngineSpec:
    return EngineSpec(
        engine=engine,
        aurora=False,
        # SQLServer.Concepts.General.VersionSupport.html: a major version such as 16.00 (SQL Server
        # 2022) gets a recent release of it; full versions read 16.00.4165.4.v1.
        default_version="16.00",
        major_pattern=r"\d{2}\.\d{2}",
        full_pattern=r"\d{2}\.\d{2}\.\d+\.\d+\.v\d+",
        example_version="16.00.4165.4.v1",
        default_class=default_class,
        class_rule=_sqlserver_classes(edition, smallest_t3, smallest),
        license_models=("license-included",),
        # SQLServer.ReadReplicas.html: "Read replicas are only available on the SQL Server Enterprise
        # Edition (EE) engine."
        read_replicas=edition == "Enterprise",
        max_storage_gb=16384,
        sources=(
            _RDS + "SQLServer.Concepts.General.VersionSupport.html",
            _RDS + "SQLServer.Concepts.General.InstanceClasses.html",
            _RDS + "SQLServer.ReadReplicas.html",
            _LICENSES,
            _STORAGE,
        ),
    )


def _aurora(
    engine: str,
    default_version: str | None,
    major_pattern: str | None,
    full_pattern: str,
    example_version: str,
    release_notes: str,
) -> EngineSpec:
    return EngineSpec(
        engine=engine,
        aurora=True,
        default_version=default_version,
        major_pattern=major_pattern,
        full_pattern=full_pattern,
        example_version=example_version,
        default_class="db.t4g.medium",
        class_rule=_aurora_classes,
        license_models=(),
        read_replicas=True,
        max_storage_gb=None,
        sources=(
            _AURORA + "Aurora.CreateInstance.html",
            release_notes,
            _AURORA + "Concepts.DBInstanceClass.SupportAurora.html",
            _AURORA + "aurora-global-database-getting-started.html",
        ),
    )


ENGINES: dict[str, EngineSpec] = {
    spec.engine: spec
    for spec in (
        # Every engine's versions page: "You can specify the major version (such as PostgreSQL 14) ...
        # Amazon RDS defaults to a recent release of the major version". PostgreSQL versions are
        # major.minor; 16 is kept from earlier releases of this project, as changing the default major of
        # existing stacks would ask RDS for a major version upgrade.
        _open_source(
            "postgres",
            "16",
            r"\d{2}",
            r"\d{2}\.\d+",
            "16.4",
            "postgresql-license",
            "PostgreSQL.Concepts.General.DBVersions.html",
        ),
        # MySQL and MariaDB: X.Y is the major version, X.Y.Z a minor one. MySQL 8.0 left RDS standard
        # support on 2026-07-31; 8.4 is the long-term release.
        _open_source(
            "mysql",
            "8.4",
            r"[5-9]\.\d+",
            r"[5-9]\.\d+\.\d+",
            "8.4.3",
            "general-public-license",
            "MySQL.Concepts.VersionMgmt.html",
        ),
        # MariaDB 11.4 is the long-term release RDS supports longest.
        _open_source(
            "mariadb",
            "11.4",
            r"1\d\.\d+",
            r"1\d\.\d+\.\d+",
            "11.4.4",
            "general-public-license",
            "MariaDB.Concepts.VersionMgmt.html",
        ),
        # License Included exists only for Standard Edition 2; Enterprise Edition is bring-your-own-license
        # (Oracle.Concepts.Licensing.html). Oracle replicas are "supported only for Oracle Enterprise
        # Edition (EE)" (oracle-read-replicas.limitations.html).
        _oracle("oracle-ee", ("bring-your-own-license",), read_replicas=True),
        _oracle("oracle-ee-cdb", ("bring-your-own-license",), read_replicas=True),
        _oracle("oracle-se2", ("license-included", "bring-your-own-license"), read_replicas=False),
        _oracle("oracle-se2-cdb", ("license-included", "bring-your-own-license"), read_replicas=False),
        _sqlserver("sqlserver-ee", "Enterprise", "db.m5.xlarge", smallest_t3="xlarge", smallest="xlarge"),
        _sqlserver("sqlserver-se", "Standard", "db.m5.large", smallest_t3="xlarge", smallest="large"),
        _sqlserver("sqlserver-web", "Web", "db.t3.small", smallest_t3="small", smallest="large"),
        # Aurora.CreateInstance.html: "--engine aurora-mysql --engine-version 8.0" creates a MySQL
        # 8.0-compatible cluster on the default engine version; full versions read 8.0.mysql_aurora.3.08.2.
        _aurora(
            "aurora-mysql",
            "8.0",
            r"[5-9]\.\d+",
            r"[5-9]\.\d+\.mysql_aurora\.\d+\.\d+\.\d+",
            "8.0.mysql_aurora.3.08.0",
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/AuroraMySQL.release-calendars.html",
        ),
        # Aurora PostgreSQL versions are major.minor (AuroraPostgreSQLReleaseNotes); AWS documents no
        # major-only form, so the default is RDS's own default version.
        _aurora(
            "aurora-postgresql",
            None,
            None,
            r"\d{2}\.\d+",
            "16.4",
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html",
        ),
    )
}

#: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html:
#: "An Aurora global database requires DB instance classes that are optimized for memory-intensive
#: applications"; db.r6g.large exists for both Aurora engines (Concepts.DBInstanceClass.SupportAurora.html).
GLOBAL_DATABASE_DEFAULT_CLASS = "db.r6g.large"


def _listing(values: tuple[str, ...]) -> str:
    return " or ".join(values)


def default_version(engine: str) -> str | None:
    spec = ENGINES.get(engine)
    return spec.default_version if spec else None


def default_class(engine: str, global_database: bool = False) -> str:
    spec = ENGINES.get(engine)
    if spec and spec.aurora and global_database:
        return GLOBAL_DATABASE_DEFAULT_CLASS
    return spec.default_class if spec else ""


def default_license(engine: str) -> str | None:
    spec = ENGINES.get(engine)
    return spec.license_models[0] if spec and spec.license_models else None


def check_engine_version(engine: str, version: str) -> str | None:
    spec = ENGINES.get(engine)
    if spec is None or any(
        pattern and re.fullmatch(pattern, version) for pattern in (spec.major_pattern, spec.full_pattern)
    ):
        return None
    major = (
        f"a major version such as {spec.default_version} (RDS picks a recent minor) or " if spec.default_version else ""
    )
    return (
        f"'{version}' is not a version of {engine}; use {major}a full version such as {spec.example_version} "
        f"(list them with: aws rds describe-db-engine-versions --engine {engine})"
    )


def check_engine_class(engine: str, instance_class: str) -> str | None:
    spec = ENGINES.get(engine)
    if spec is None:
        return None
    fix = f"use a class such as {spec.default_class}"
    if instance_class == SERVERLESS_CLASS:
        return None if spec.aurora else f"{SERVERLESS_CLASS} is Aurora Serverless v2, not a class of {engine}; {fix}"
    klass = db_class(instance_class)
    if klass is None:
        return None
    if reason := spec.class_rule(klass):
        return f"{engine} cannot run on {instance_class}: {reason}; {fix}"
    return None


def is_full_version(engine: str, version: str) -> bool:
    spec = ENGINES.get(engine)
    return spec is None or re.fullmatch(spec.full_pattern, version) is not None


def check_license_model(engine: str, license_model: str) -> str | None:
    spec = ENGINES.get(engine)
    if spec is None:
        return None
    if not spec.license_models:
        return f"{engine} takes no license model (Aurora licenses are included); leave it empty"
    if license_model not in spec.license_models:
        return f"'{license_model}' is not a license model of {engine}; use {_listing(spec.license_models)}"
    return None


def check_read_replicas(engine: str) -> str | None:
    spec = ENGINES.get(engine)
    if spec is None or spec.read_replicas:
        return None
    family = "Oracle" if engine.startswith("oracle") else "SQL Server"
    edition = "oracle-ee or oracle-ee-cdb" if family == "Oracle" else "sqlserver-ee"
    return f"RDS for {family} has read replicas only in Enterprise Edition, not {engine}; use {edition}, or no replicas"


def check_global_database_class(instance_class: str) -> str | None:
    klass = db_class(instance_class)
    if instance_class == SERVERLESS_CLASS or (klass and klass.type in ("r", "x")):
        return None
    return (
        f"an Aurora global database needs memory-optimized classes (db.r*, db.x2g) or {SERVERLESS_CLASS}, "
        f"not {instance_class}; use a class such as {GLOBAL_DATABASE_DEFAULT_CLASS}"
    )


def max_storage_gb(engine: str) -> int | None:
    spec = ENGINES.get(engine)
    return spec.max_storage_gb if spec else None
