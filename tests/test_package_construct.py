"""Every component, constructed through the package provider as a TypeScript, Go, C# or YAML stack would.

Inputs are camelCase, serialized the way the engine sends them (numbers as doubles, outputs of
other resources resolved with their URNs as dependencies), and the component's outputs come back
as the plugin's Construct response. Every resource the component registers is recorded under the
mock runtime. Sample inputs come from one table keyed by schema name, with per-component
overrides; a component added to ``components.__all__`` fails ``test_every_input_has_a_sample``
until its inputs have samples here.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.component import ComponentProvider

from components.package import PACKAGE_NAME, PACKAGE_VERSION, build_provider, public_components
from offline.package import construct, package_schema, token
from offline.runtime import ProgramError, StackRun, run_program

NAMES = [component.__name__ for component in public_components()]
CONFIG = {"aws:region": "us-east-1"}
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000001"
WEST_KEY = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000002"
MULTI_REGION_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-0123456789abcdef0123456789abcdef"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
WEST_SUBNETS = ["subnet-0f1e2d3c4b5a60001", "subnet-0f1e2d3c4b5a60002"]
GROUPS = ["sg-0a1b2c3d4e5f60001"]
WEST_GROUPS = ["sg-0f1e2d3c4b5a60001"]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/DatabaseKeyAdministrators"
TAGS = {"Team": "data", "CostCenter": "1234"}

#: A valid value for each input name, shared by every component that has the input.
VALUES: dict[str, Any] = {
    "kmsKeyArn": KEY,
    "engine": "postgres",
    "engineVersion": "16.4",
    "instanceClass": "db.t4g.micro",
    "subnetIds": SUBNETS,
    "vpcSecurityGroupIds": GROUPS,
    "identifier": "orders",
    "dbName": "orders",
    "masterUsername": "orders_admin",
    "passwordMode": "write-only",
    "passwordVersion": 2,
    "allocatedStorageGb": 50,
    "maxAllocatedStorageGb": 200,
    "backupRetentionDays": 14,
    "multiAz": True,
    "applyImmediately": True,
    "deletionProtection": False,
    "finalSnapshot": True,
    "performanceInsights": True,
    "performanceInsightsRetentionDays": 31,
    "logExports": ["postgresql", "upgrade"],
    "baselineSnapshotIdentifier": "orders-baseline",
    "backupReplicationRegion": "us-west-2",
    "backupReplicationKmsKeyArn": WEST_KEY,
    "backupReplicationRetentionDays": 7,
    "region": "us-east-1",
    "tags": TAGS,
    "instanceCount": 3,
    "globalClusterIdentifier": "orders-global",
    "globalSecondary": False,
    "alias": "alias/orders",
    "description": "Orders database encryption",
    "deletionWindowDays": 7,
    "rotationPeriodDays": 180,
    "administratorArns": [ROLE],
    "userArns": [f"arn:aws:iam::{ACCOUNT}:role/OrdersApp"],
    "sharedAccountIds": [OTHER_ACCOUNT],
    "multiRegion": True,
    "primaryKeyArn": MULTI_REGION_KEY,
    "sourceDbIdentifier": "orders",
    "sourceDbArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders",
    "sourceRegion": "us-east-1",
    "sourceEngine": "postgres",
    "sourceStorageEncrypted": True,
    "sourceBackupRetentionDays": 7,
    "sourcePasswordMode": "write-only",
    "sourceKmsKeyArn": KEY,
    "primaryKmsKeyArn": KEY,
    "primarySubnetIds": SUBNETS,
    "primaryVpcSecurityGroupIds": GROUPS,
    "primaryRegion": "us-east-1",
    "primaryInstanceCount": 2,
    "secondaryRegion": "us-west-2",
    "secondaryKmsKeyArn": WEST_KEY,
    "secondarySubnetIds": WEST_SUBNETS,
    "secondaryVpcSecurityGroupIds": WEST_GROUPS,
    "secondaryInstanceCount": 1,
    "sourceSnapshotArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:orders-2026-01-01",
    "targetSnapshotIdentifier": "orders-copy",
    "copyTags": True,
    "optionGroupName": "default:postgres-16",
    "parameterGroupName": "default.postgres16",
    "accountId": ACCOUNT,
    "engineFamily": "postgres",
    "tdeEnabled": False,
    "keyAlias": "alias/orders-shared",
    "restoreInstance": True,
    "sourceInstanceIdentifier": "orders-legacy",
    "snapshotIdentifier": "orders-pre-encryption",
    "encryptedSnapshotIdentifier": "orders-encrypted",
    "migrationComplete": False,
    "manageMasterUserPassword": True,
    "recorderName": "default",
    "namePrefix": "orders",
}

#: Where a component needs other values than the shared ones (all inputs given at once).
OVERRIDES: dict[str, dict[str, Any]] = {
    "EncryptedCluster": {"engine": "aurora-postgresql", "instanceClass": "db.r7g.large", "logExports": ["postgresql"]},
    "EncryptedGlobalCluster": {"engine": "aurora-postgresql", "instanceClass": "db.r7g.large", "identifier": "orders"},
    # Every input at once makes a cross-region replica: a key, subnets and groups of its region.
    "EncryptedReadReplica": {
        "region": "us-west-2",
        "kmsKeyArn": WEST_KEY,
        "subnetIds": WEST_SUBNETS,
        "vpcSecurityGroupIds": WEST_GROUPS,
        "identifier": "orders-replica",
    },
    "EncryptionReplicaKey": {"region": "us-west-2", "alias": "alias/orders-west"},
    # A snapshot another account shared with this one.
    "SharedSnapshotImport": {"sourceSnapshotArn": f"arn:aws:rds:us-east-1:{OTHER_ACCOUNT}:snapshot:orders-shared"},
}

#: Long-running AWS resources and the inputs that must carry the customer managed key.
ENCRYPTED_TYPES = {
    "aws:rds/instance:Instance": "kmsKeyId",
    "aws:rds/cluster:Cluster": "kmsKeyId",
    "aws:rds/snapshotCopy:SnapshotCopy": "kmsKeyId",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "kmsKeyId",
}


def spec(name: str) -> dict:
    return package_schema()["resources"][token(name)]


def every_input(name: str) -> dict[str, Any]:
    values = VALUES | OVERRIDES.get(name, {})
    return {prop: values[prop] for prop in spec(name)["inputProperties"] if prop in values}


def required_inputs(name: str) -> dict[str, Any]:
    values = VALUES | OVERRIDES.get(name, {})
    return {prop: values[prop] for prop in spec(name).get("requiredInputs", [])}


def constructed(name: str, inputs: dict[str, Any], **options) -> tuple[StackRun, Any]:
    result: dict[str, Any] = {}

    def program():
        result["component"] = construct(name, "subject", inputs, **options)

    return run_program(program, "dev", CONFIG), result["component"]


def refused(name: str, inputs: dict[str, Any]) -> tuple[BaseException, StackRun]:
    with pytest.raises(ProgramError) as failure:
        constructed(name, inputs)
    return failure.value.error, failure.value.run


def descendants(run: StackRun, urn: str) -> list:
    children = [r for r in run.resources if r.parent == urn]
    return children + [d for child in children for d in descendants(run, child.urn)]


def check_encrypted_children(run: StackRun, urn: str) -> None:
    for child in descendants(run, urn):
        if child.type in ENCRYPTED_TYPES:
            key = child.inputs.get(ENCRYPTED_TYPES[child.type])
            same_region_replica = child.type == "aws:rds/instance:Instance" and child.inputs.get("replicateSourceDb")
            if child.type in ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster"):
                assert child.inputs.get("storageEncrypted") is True, child.name
            if not (same_region_replica and key is None):
                assert isinstance(key, str) and ":key/" in key, f"{child.name}: {key!r} is not a key ARN"


def test_every_input_has_a_sample():
    missing = {
        name: sorted(set(spec(name)["inputProperties"]) - set(every_input(name)))
        for name in NAMES
        if set(spec(name)["inputProperties"]) - set(every_input(name))
    }
    assert not missing, f"add sample values to VALUES or OVERRIDES for {missing}"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("inputs", [required_inputs, every_input], ids=["required-inputs", "every-input"])
def test_construct_registers_the_component_its_children_and_every_output(name, inputs):
    run, component = constructed(name, inputs(name))
    registered = run.by_urn(component.urn)
    assert registered.type == token(name) and not registered.custom
    children = descendants(run, component.urn)
    assert any(child.custom for child in children), f"{name} registers no AWS resource"
    assert len(run.resources) == 1 + len(children), "every resource is parented under the component"
    assert component.assigned == set(spec(name)["properties"]), "the component sets every declared output"
    assert set(component.state) <= component.assigned
    check_encrypted_children(run, component.urn)


@pytest.mark.parametrize(
    ("name", "missing"), [(name, prop) for name in NAMES for prop in spec(name).get("requiredInputs", [])]
)
def test_a_missing_required_input_fails_with_a_clear_error_before_anything_is_registered(name, missing):
    inputs = required_inputs(name)
    del inputs[missing]
    error, run = refused(name, inputs)
    assert isinstance(error, InputPropertyError)
    assert error.reason == f"Missing required input '{missing}' on '{name}'"
    assert error.property_path == missing
    assert run.resources == []


def shape(run: StackRun) -> list:
    return sorted((r.type, r.name, sorted(r.inputs)) for r in run.resources if r.type != "test:index:Source")


@pytest.mark.parametrize("name", NAMES)
def test_inputs_that_accept_outputs_work_when_given_outputs(name):
    """A non-plain input may be another resource's output: the component must not need its value.

    Given as an output (a value with a dependency, delivered to the component as an Output), the
    same inputs must register the same resources; a component that reads such a value at
    construction (in an ``if``, ``range`` or an f-string) needs it plain, or breaks here.
    """
    inputs = every_input(name)
    accepting = [prop for prop, definition in spec(name)["inputProperties"].items() if not definition.get("plain")]
    plain_run, _ = constructed(name, inputs)
    seen: dict[str, Any] = {}

    def program():
        source = pulumi.CustomResource("test:index:Source", "source", {})
        wired = {
            prop: (source.urn.apply(lambda _, value=value: value) if prop in accepting else value)
            for prop, value in inputs.items()
        }
        seen["component"] = construct(name, "subject", wired)

    wired_run = run_program(program, "dev", CONFIG)
    assert shape(wired_run) == shape(plain_run)


@pytest.mark.parametrize("name", NAMES)
def test_integer_inputs_reach_the_component_as_integers(name):
    """Numbers cross the wire as doubles; the package provider hands integer inputs over as int."""
    integers = [p for p, d in spec(name)["inputProperties"].items() if d.get("type") == "integer"]
    if not integers:
        pytest.skip(f"{name} has no integer input")
    provider = build_provider()
    component_def = provider._component_defs[name]
    wire = {p: float(v) if p in integers else v for p, v in every_input(name).items()}
    mapped = provider.map_inputs(wire, component_def)
    python_names = [component_def.inputs_mapping[p] for p in integers]
    assert {n: type(mapped[n]) for n in python_names} == dict.fromkeys(python_names, int)


def test_the_sdk_alone_still_hands_integers_over_as_floats():
    """Why ``EncryptedRdsProvider`` exists. When this fails, the SDK converts by itself: drop the class."""
    sdk = ComponentProvider(public_components(), PACKAGE_NAME, None, PACKAGE_VERSION)
    mapped = sdk.map_inputs({"deletionWindowDays": 7.0}, sdk._component_defs["EncryptionKey"])
    assert type(mapped["deletion_window_days"]) is float


def test_a_key_a_database_and_a_replica_wired_by_outputs_like_a_typescript_stack():
    """The consumer docs' program: outputs of one component feed the next, dependencies follow."""
    parts: dict[str, Any] = {}

    def program():
        key = construct("EncryptionKey", "orders-key", {"alias": "alias/orders", "deletionWindowDays": 30})
        database = construct(
            "EncryptedDatabase",
            "orders",
            {
                "kmsKeyArn": key.output("keyArn"),
                "engine": "postgres",
                "instanceClass": "db.t4g.micro",
                "subnetIds": SUBNETS,
                "vpcSecurityGroupIds": GROUPS,
                "passwordMode": "write-only",
                "allocatedStorageGb": 50,
            },
        )
        replica = construct(
            "EncryptedReadReplica",
            "orders-replica",
            {
                "sourceDbIdentifier": database.output("identifier"),
                "sourceDbArn": database.output("instanceArn"),
                "sourceKmsKeyArn": database.output("kmsKeyArn"),
                "sourceRegion": "us-east-1",
                "sourceEngine": "postgres",
                "sourceStorageEncrypted": True,
                "sourceBackupRetentionDays": 7,
                "sourcePasswordMode": "write-only",
                "instanceClass": "db.t4g.micro",
                "vpcSecurityGroupIds": GROUPS,
            },
        )
        parts.update(key=key, database=database, replica=replica)

    run = run_program(program, "dev", CONFIG)
    key_resource = run.one("aws:kms/key:Key")
    source, replica = sorted(run.of_type("aws:rds/instance:Instance"), key=lambda r: "replicateSourceDb" in r.inputs)
    assert key_resource.inputs["enableKeyRotation"] is True
    assert source.inputs["storageEncrypted"] is True
    assert source.inputs["kmsKeyId"] == key_resource.outputs["arn"]
    assert source.inputs["allocatedStorage"] == 50
    assert parts["key"].urn in source.property_dependencies["kmsKeyId"]
    assert replica.inputs["replicateSourceDb"] == source.inputs["identifier"]
    assert parts["database"].urn in replica.property_dependencies["replicateSourceDb"]
    assert "kmsKeyId" not in replica.inputs, "a same-region replica inherits the source's key"


def test_consumer_options_reach_the_children():
    """`protect` and `retainOnDelete` set by the consumer on the component hold for what it creates."""
    run, component = constructed("EncryptionKey", {}, protect=True, retain_on_delete=True)
    for child in descendants(run, component.urn):
        assert child.protect and child.retain_on_delete, child.name
