"""An encrypted read replica of an RDS DB instance, in the source's region or in another one."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .database_settings import (
    check_class_of,
    default_identifier,
    modification_inputs,
    performance_insights_inputs,
    subnet_group,
)
from .engines import check_read_replicas
from .master_password import SECRETS_MANAGER
from .options import child_options
from .package import register_declared_outputs
from .rules import (
    check_identifier,
    check_instance_class,
    check_instance_engine,
    check_key_arn,
    check_performance_insights_retention,
    check_region,
    check_replica_password_mode,
    check_replica_source,
    check_same_partition,
    check_same_region_replica_key,
    check_security_group_ids,
    check_subnet_ids,
)
from .validation import ArgumentChecks, is_known


class EncryptedReadReplicaArgs(TypedDict):
    source_db_identifier: pulumi.Input[str]
    """Identifier of the source DB instance: how a replica in the source's region names its source."""
    source_db_arn: pulumi.Input[str]
    """ARN of the source DB instance: how a replica in another region names its source."""
    source_region: str
    """Region of the source DB instance."""
    source_engine: str
    """Engine of the source, such as postgres; Oracle and SQL Server have read replicas only in Enterprise Edition."""
    source_storage_encrypted: bool
    """Whether the source is encrypted; an unencrypted source is refused (encrypted and unencrypted never mix)."""
    source_backup_retention_days: int
    """Automated backup retention of the source; read replicas need backups on (1 or more)."""
    source_password_mode: str
    """Password mode of the source (secrets-manager or write-only); AWS cannot replicate a source whose password Secrets Manager manages, except SQL Server."""
    instance_class: str
    """DB instance class of the replica, one the source's engine runs on."""
    source_kms_key_arn: NotRequired[pulumi.Input[str]]
    """ARN of the source's key: what a replica in the source's region is encrypted with (and its Performance Insights)."""
    region: NotRequired[str]
    """Region of the replica. Defaults to the source's region; another region makes a cross-region replica."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """Cross-region: ARN of a customer managed key in the replica's region (required). Same region: leave out, or exactly the source's key."""
    subnet_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Cross-region: private subnet ids of the replica's region (required). Same region: leave out (the source's subnet group is used)."""
    vpc_security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Security group ids for the replica (groups of the replica's region); without them AWS would attach the VPC's default group."""
    identifier: NotRequired[str]
    """DB instance identifier of the replica. Defaults to the resource name."""
    multi_az: NotRequired[bool]
    """Run a standby for the replica. Defaults to false."""
    apply_immediately: NotRequired[bool]
    """Apply modifications (class, storage, engine version, ...) now, some with downtime, instead of in the next maintenance window. A deferred change shows again in every preview until RDS applies it. Defaults to false."""
    deletion_protection: NotRequired[bool]
    """Refuse deletion of the replica. Defaults to true."""
    performance_insights: NotRequired[bool]
    """Turn on Performance Insights, on the replica's key. Defaults to false."""
    performance_insights_retention_days: NotRequired[int]
    """Performance Insights retention: 7, a multiple of 31 up to 713, or 731. Defaults to 7."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the replica."""


class EncryptedReadReplica(pulumi.ComponentResource):
    """An encrypted read replica: in the source's region on the source's key, or in another region on a customer managed key of that region."""

    instance_arn: pulumi.Output[str]
    """ARN of the replica."""
    identifier: pulumi.Output[str]
    """DB instance identifier of the replica."""
    endpoint: pulumi.Output[str]
    """Connection endpoint of the replica, host:port."""
    address: pulumi.Output[str]
    """Host name of the replica."""
    port: pulumi.Output[int]
    """Port of the replica."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key the replica is encrypted with."""

    def __init__(self, name: str, args: EncryptedReadReplicaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        checks = ArgumentChecks(f"EncryptedReadReplica '{name}'", args, EncryptedReadReplicaArgs)
        identifier = default_identifier(name, args)
        source_region = args.get("source_region")
        region = args.get("region") or source_region
        cross_region = region != source_region
        kms_key_arn = args.get("kms_key_arn")

        for required in ("source_db_identifier", "source_db_arn", "source_region", "instance_class"):
            checks.require(required, args.get(required))
        source_engine = args.get("source_engine", "")
        checks.check("source_region", source_region, check_region)
        checks.check(
            "region",
            args.get("region"),
            lambda replica_region: check_region(replica_region) or check_same_partition(replica_region, source_region),
        )
        checks.check(
            "source_engine",
            source_engine,
            lambda engine: check_instance_engine(engine) or check_read_replicas(engine),
        )
        checks.check(
            "source_storage_encrypted",
            (args.get("source_storage_encrypted", False), args.get("source_backup_retention_days", 0)),
            lambda source: check_replica_source(*source),
        )
        checks.check(
            "source_password_mode",
            args.get("source_password_mode", SECRETS_MANAGER),
            lambda mode: check_replica_password_mode(args.get("source_engine", ""), mode == SECRETS_MANAGER),
        )
        checks.check("instance_class", args.get("instance_class"), check_instance_class)
        if check_instance_engine(source_engine) is None:
            checks.check(
                "instance_class", args.get("instance_class"), lambda klass: check_class_of(source_engine, klass)
            )
        checks.check("identifier", identifier, check_identifier)
        # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html
        # (VpcSecurityGroupIds): without groups a replica gets the VPC's default security group, in
        # the source's region as in any other.
        checks.check("vpc_security_group_ids", args.get("vpc_security_group_ids", []), check_security_group_ids)
        checks.check(
            "performance_insights_retention_days",
            args.get("performance_insights_retention_days"),
            check_performance_insights_retention,
        )
        if cross_region:
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html: an
            # encrypted cross-region replica needs a key of the destination region; the source is its ARN.
            checks.require("kms_key_arn", kms_key_arn)
            checks.check("kms_key_arn", kms_key_arn, check_key_arn, region)
            checks.require("subnet_ids", args.get("subnet_ids"))
            checks.check("subnet_ids", args.get("subnet_ids"), check_subnet_ids)
        else:
            if kms_key_arn is not None:
                source_key = args.get("source_kms_key_arn")
                checks.check(
                    "kms_key_arn",
                    kms_key_arn,
                    check_same_region_replica_key,
                    source_key if source_key is None or is_known(source_key) else kms_key_arn,
                )
            if args.get("subnet_ids"):
                checks.problems.append(
                    "subnet_ids: a replica in the source's region uses the source's subnet group; leave it out"
                )
            if args.get("performance_insights") and args.get("source_kms_key_arn") is None:
                checks.problems.append(
                    "source_kms_key_arn: Performance Insights of a same-region replica must use the source's key, "
                    "or it falls back to the AWS managed key; pass the source's key ARN"
                )
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptedReadReplica", name, None, opts)

        replica_key = kms_key_arn if cross_region else args.get("source_kms_key_arn")
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            replicate_source_db=args["source_db_arn"] if cross_region else args["source_db_identifier"],
            instance_class=args["instance_class"],
            storage_encrypted=True,
            # Same region: never send a key. The replica gets the source's key, and some API paths
            # reject the parameter ("Your request does not require the KMS key parameter").
            kms_key_id=kms_key_arn if cross_region else None,
            db_subnet_group_name=subnet_group(name, self, args, opts).name if cross_region else None,
            vpc_security_group_ids=args["vpc_security_group_ids"],
            publicly_accessible=False,
            multi_az=args.get("multi_az", False),
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            deletion_protection=args.get("deletion_protection", True),
            **modification_inputs(args),
            # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html: a final
            # snapshot cannot be taken of a read replica.
            skip_final_snapshot=True,
            region=region if cross_region else None,
            tags=args.get("tags"),
            **performance_insights_inputs(args, replica_key),
            opts=child_options(self, opts),
        )

        self.instance_arn = instance.arn
        self.identifier = instance.identifier
        self.endpoint = instance.endpoint
        self.address = instance.address
        self.port = instance.port
        self.kms_key_arn = instance.kms_key_id
        register_declared_outputs(self)
