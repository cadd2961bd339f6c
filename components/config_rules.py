"""A detective control: AWS Config managed rules that report unencrypted or mis-keyed RDS resources."""

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .database_settings import resource_region
from .options import child_options
from .package import register_declared_outputs
from .rules import check_config_recorder_name, check_config_rule_name, check_key_arn, check_region
from .validation import ArgumentChecks


@dataclass(frozen=True)
class ManagedRule:
    identifier: str
    """The managed rule's SourceIdentifier."""
    slug: str
    """Its name in the AWS documentation, used in the rule's name."""
    resource_types: Sequence[str]
    """Resource types that trigger it (configuration-change rules); empty for periodic rules."""
    parameters: Callable[[str], dict[str, str]] | None = None
    """Its input parameters, from the expected key ARN."""


def _key_id(key_arn: str) -> str:
    return key_arn.rsplit("/", 1)[-1]


MANAGED_RULES = (
    # https://docs.aws.amazon.com/config/latest/developerguide/rds-storage-encrypted.html
    # (parameter kmsKeyId: the key the storage must be encrypted with).
    ManagedRule(
        "RDS_STORAGE_ENCRYPTED", "rds-storage-encrypted", ("AWS::RDS::DBInstance",), lambda arn: {"kmsKeyId": arn}
    ),
    # https://docs.aws.amazon.com/config/latest/developerguide/rds-snapshot-encrypted.html
    ManagedRule(
        "RDS_SNAPSHOT_ENCRYPTED", "rds-snapshot-encrypted", ("AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot")
    ),
    # https://docs.aws.amazon.com/config/latest/developerguide/rds-snapshots-public-prohibited.html
    ManagedRule(
        "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
        "rds-snapshots-public-prohibited",
        ("AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"),
    ),
    # https://docs.aws.amazon.com/config/latest/developerguide/cmk-backing-key-rotation-enabled.html (periodic)
    ManagedRule("CMK_BACKING_KEY_ROTATION_ENABLED", "cmk-backing-key-rotation-enabled", ()),
    # https://docs.aws.amazon.com/config/latest/developerguide/kms-cmk-not-scheduled-for-deletion.html
    # (periodic; parameter kmsKeyIds: the key ids to watch).
    ManagedRule(
        "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
        "kms-cmk-not-scheduled-for-deletion",
        (),
        lambda arn: {"kmsKeyIds": _key_id(arn)},
    ),
)
PERIODIC_FREQUENCY = "TwentyFour_Hours"


class EncryptionComplianceRulesArgs(TypedDict):
    kms_key_arn: pulumi.Input[str]
    """ARN of the customer managed key RDS storage must be encrypted with (RDS_STORAGE_ENCRYPTED) and that must stay scheduled for no deletion (KMS_CMK_NOT_SCHEDULED_FOR_DELETION), in the rules' region."""
    recorder_name: pulumi.Input[str]
    """Name of the AWS Config configuration recorder recording in this account and region (such as default); rules cannot be created without one. Pass a recorder managed in the same program by its output so the rules are created after it."""
    name_prefix: NotRequired[str]
    """Prefix of the rule names (<prefix>-rds-storage-encrypted, ...), unique among the stacks that deploy rules in the account and region. Defaults to <project>-<stack>-<resource name>."""
    region: NotRequired[str]
    """Region of the rules (AWS Config is regional). Defaults to the provider's region; the key must be in it."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for the rules."""


class EncryptionComplianceRules(pulumi.ComponentResource):
    """Optional detective control: AWS Config managed rules reporting RDS instances not encrypted with the expected customer managed key, unencrypted or public snapshots, and customer managed keys without rotation or scheduled for deletion. AWS Config needs a configuration recorder in the account and region; the program cannot look it up, so `recorderName` states it."""

    rule_arns: pulumi.Output[dict[str, str]]
    """ARN of each rule, by managed rule identifier (RDS_STORAGE_ENCRYPTED, ...)."""
    rule_names: pulumi.Output[list[str]]
    """Names of the rules, for the AWS Config console and compliance queries."""

    def __init__(
        self, name: str, args: EncryptionComplianceRulesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        checks = ArgumentChecks(f"EncryptionComplianceRules '{name}'", args, EncryptionComplianceRulesArgs)
        # https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigRule.html: PutConfigRule
        # adds *or updates* the rule of that name, so a second stack in the account and region would
        # silently take over the first's rules (and delete them on destroy) under a shared name.
        prefix = args.get("name_prefix") or f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
        rule_names = {rule.identifier: f"{prefix}-{rule.slug}" for rule in MANAGED_RULES}

        checks.require("kms_key_arn", args.get("kms_key_arn"))
        # https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigRule.html: a rule needs a
        # configuration recorder in its account and region (NoAvailableConfigurationRecorderException).
        # Only getCallerIdentity, getRegion and getPartition may be called, so the caller states it.
        checks.require("recorder_name", args.get("recorder_name"))
        checks.check("recorder_name", args.get("recorder_name"), check_config_recorder_name)
        # The rules evaluate resources of their own region, whose keys are of that region.
        checks.check("kms_key_arn", args.get("kms_key_arn"), check_key_arn, resource_region(args))
        checks.check("region", args.get("region"), check_region)
        checks.check("name_prefix", max(rule_names.values(), key=len), check_config_rule_name)
        checks.raise_if_any()

        super().__init__("encryptedrds:index:EncryptionComplianceRules", name, None, opts)

        key_arn = pulumi.Output.from_input(args["kms_key_arn"])
        # Each rule names the recorder it relies on in a tag: a recorder given as another resource's
        # output then orders the rules after it, and the console shows what the rules depend on.
        tags = pulumi.Output.all(pulumi.Output.from_input(args.get("tags") or {}), args["recorder_name"]).apply(
            lambda values: {**values[0], "ConfigurationRecorder": values[1]}
        )
        rules: dict[str, aws.cfg.Rule] = {}
        for rule in MANAGED_RULES:
            # Compact, key-sorted JSON: the provider reads input parameters back as AWS returns them and
            # compares them as plain strings (terraform-provider-aws config_rule.go), so a stable form
            # keeps a second run from showing a change.
            parameters = (
                key_arn.apply(
                    lambda arn, rule=rule: json.dumps(rule.parameters(arn), separators=(",", ":"), sort_keys=True)
                )
                if rule.parameters
                else None
            )
            rules[rule.identifier] = aws.cfg.Rule(
                f"{name}-{rule.slug}",
                name=rule_names[rule.identifier],
                description=f"AWS managed rule {rule.identifier}, deployed by {name}",
                source=aws.cfg.RuleSourceArgs(owner="AWS", source_identifier=rule.identifier),
                input_parameters=parameters,
                scope=aws.cfg.RuleScopeArgs(compliance_resource_types=list(rule.resource_types))
                if rule.resource_types
                else None,
                maximum_execution_frequency=None if rule.resource_types else PERIODIC_FREQUENCY,
                region=args.get("region"),
                tags=tags,
                opts=child_options(self, opts),
            )

        self.rule_arns = pulumi.Output.all(**{identifier: rule.arn for identifier, rule in rules.items()})
        self.rule_names = pulumi.Output.all(*(rule.name for rule in rules.values()))
        register_declared_outputs(self)
