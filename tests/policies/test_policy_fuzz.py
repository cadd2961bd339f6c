"""Arbitrary props for every covered type never crash the pack or make it answer with an error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE
from sdk_args import RULES, analyze, analyze_stack

NATIVE_TYPES = [
    "aws-native:rds:DbInstance",
    "aws-native:rds:DbCluster",
    "aws-native:rds:GlobalCluster",
    "aws-native:rds:DbSnapshot",
    "aws-native:kms:Key",
    "aws-native:kms:ReplicaKey",
    "aws-native:kms:Alias",
]
TYPES = sorted({t for rule in RULES for t in rule.types} | set(NATIVE_TYPES))
PROPERTIES = sorted(
    {
        "storageEncrypted",
        "kmsKeyId",
        "replicateSourceDb",
        "replicationSourceIdentifier",
        "snapshotIdentifier",
        "engine",
        "instanceClass",
        "performanceInsightsEnabled",
        "performanceInsightsKmsKeyId",
        "manageMasterUserPassword",
        "masterUserSecretKmsKeyId",
        "password",
        "masterPassword",
        "backupRetentionPeriod",
        "deletionProtection",
        "region",
        "sharedAccounts",
        "policy",
        "enableKeyRotation",
        "deletionWindowInDays",
        "keyUsage",
        "customerMasterKeySpec",
        "customKeyStoreId",
        "dbInstanceIdentifier",
        "sourceDbClusterIdentifier",
        "targetKeyId",
        "name",
        "arn",
        "identifier",
        # aws-native names
        "dbInstanceClass",
        "dbClusterIdentifier",
        "keyPolicy",
        "masterUserSecret",
        "sourceDbInstanceIdentifier",
        "pendingWindowInDays",
        "enablePerformanceInsights",
        "restoreTime",
        "automaticBackupReplicationRegion",
        "automaticBackupReplicationKmsKeyId",
        "origin",
        "restoreToPointInTime",
        "bypassPolicyLockoutSafetyCheck",
    }
)
UNKNOWNS = st.sampled_from([UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_ARRAY_VALUE])
NOT_FLOATS = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "all",
            "alias/aws/rds",
            "alias/app",
            "arn:aws:kms:eu-west-1:123456789012:key/k",
            "arn:aws:rds:us-east-1:123456789012:db:x",
            "db.t2.micro",
            "sqlserver-ex",
            '{"Statement": [{"Effect": "Allow", "Principal": "*"}]}',
            '{"Statement": {"Effect": "Allow", "Principal": {"AWS": ["*", 1]}, "Condition": []}}',
            "[]",
        ]
    ),
    UNKNOWNS,
)
SCALARS = NOT_FLOATS | st.floats(allow_nan=False)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
PROPS = st.dictionaries(st.sampled_from(PROPERTIES) | st.text(max_size=6), VALUES, max_size=8)
CONFIG = st.dictionaries(
    st.sampled_from(["exemptions", "approvedKmsKeys", "minimumDeletionWindowInDays", "productionStackPattern"]),
    VALUES,
    max_size=3,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _no_failures(found):
    assert not [f.message for f in found if "could not be evaluated" in f.message]


@FUZZ
@given(type_=st.sampled_from(TYPES), props=PROPS, config=CONFIG, stack=st.sampled_from(["dev", "prod"]))
def test_arbitrary_props_never_crash_a_resource_rule(type_, props, config, stack):
    policies = ["rds-encryption-at-rest", "rds-encryption-hygiene", "kms-key-lifecycle"]
    _no_failures(analyze(type_, props, stack=stack, config=dict.fromkeys(policies, config)))


@st.composite
def stacks(draw, values=VALUES):
    count = draw(st.integers(1, 6))
    urns = [f"urn:pulumi:prod::p::{draw(st.sampled_from(TYPES))}::r{i}" for i in range(count)]
    resources = [
        {
            "urn": urn,
            "type": urn.split("::")[2],
            "name": urn.split("::")[3],
            "inputs": draw(st.dictionaries(st.sampled_from(PROPERTIES) | st.text(max_size=6), values, max_size=8)),
            "propertyDependencies": draw(
                st.dictionaries(st.sampled_from(PROPERTIES), st.lists(st.sampled_from(urns), max_size=2), max_size=3)
            ),
        }
        for urn in urns
    ]
    for resource in resources:
        resource["outputs"] = resource["inputs"]  # AnalyzeStack reads outputs; in state they hold the inputs
    return resources


@FUZZ
@given(resources=stacks(), config=CONFIG)
def test_arbitrary_stacks_never_crash_a_stack_rule(resources, config):
    _no_failures(analyze_stack(resources, config={"rds-key-placement": config}))


# pulumi_policy decodes requests with json_format, which rejects non-finite numbers before any
# policy runs: that is the SDK's limit, not the pack's, so the wire fuzz sends finite numbers.
WIRE_VALUES = st.recursive(
    NOT_FLOATS | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(resources=stacks(WIRE_VALUES))
def test_arbitrary_stacks_over_grpc_get_verdicts_not_errors(pack, resources):
    verdicts = pack.analyze_stack(resources, stack="prod")  # a gRPC error would raise here
    assert not [v.message for v in verdicts.violations if "could not be evaluated" in v.message]
    assert not [v.message for v in verdicts.violations if "can't run policy" in v.message]
