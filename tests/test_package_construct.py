"""Every component constructed through the plugin as a TypeScript, Go, C# or YAML stack has it done.

The plugin runs as the engine runs it (``offline.package.PulumiEngine``: the real entry point, its
arguments and environment, the port on stdout) and registers its children with a resource monitor
served by the test. Inputs are camelCase and marshalled as the engine sends them: numbers as
doubles, and every input that accepts outputs as another resource's output, known in an update,
unknown in a preview. Sample inputs come from one table keyed by schema name, with per-component
overrides; a component added to ``components.__all__`` fails ``test_every_input_has_a_sample``
until its inputs have samples here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from components.package import PACKAGE_NAME, PACKAGE_VERSION, public_components
from offline.package import (
    ROOT,
    UNKNOWN,
    Constructed,
    Deployment,
    OutputValue,
    PulumiEngine,
    Secret,
    package_schema,
    plain,
    token,
)

NAMES = [component.__name__ for component in public_components()]
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
#: The resource every input that accepts outputs comes from, as in a stack that creates its network.
UPSTREAM = "urn:pulumi:dev::orders-database-ts::aws:ec2/vpc:Vpc::network"
KEY_TYPES = ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey")
#: Inputs of AWS resources that name a KMS key: each must be a key ARN, wired to where it came from.
KEY_INPUT = re.compile(r"^(kmsKeyId|[a-z]\w*KmsKeyId|targetKeyId)$")

#: A valid value for each input name, shared by every component that has the input.
VALUES: dict[str, Any] = {
    "kmsKeyArn": KEY,
    "engine": "postgres",
    "engineVersion": "16.4",
    "instanceClass": "db.t4g.micro",
    "licenseModel": "postgresql-license",
    "serverlessMinCapacity": 0.5,
    "serverlessMaxCapacity": 8,
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
    # The capacity range goes with Aurora Serverless v2 instances.
    "EncryptedCluster": {"engine": "aurora-postgresql", "instanceClass": "db.serverless", "logExports": ["postgresql"]},
    "EncryptedGlobalCluster": {
        "engine": "aurora-postgresql",
        "instanceClass": "db.serverless",
        "identifier": "orders",
        "logExports": ["postgresql"],
    },
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

#: Outputs AWS computes but the mocks leave empty (an empty output is not sent): a same-region
#: replica's key is the source's, which AWS reports and the mocks do not know.
AWS_COMPUTED_UNDER_MOCKS = {"EncryptedReadReplica": {"kmsKeyArn"}}

#: Long-running AWS resources that must be encrypted, and how they say it.
ENCRYPTED_FLAG = {"aws:rds/instance:Instance": "storageEncrypted", "aws:rds/cluster:Cluster": "storageEncrypted"}


@pytest.fixture(scope="module")
def engine():
    """One plugin for the module, started as the engine starts it for a TypeScript stack."""
    with PulumiEngine(ROOT / "examples" / "typescript", "dev", {"aws:region": "us-east-1"}).running() as running:
        yield running


def spec(name: str) -> dict:
    return package_schema()["resources"][token(name)]


def every_input(name: str) -> dict[str, Any]:
    values = VALUES | OVERRIDES.get(name, {})
    return {prop: values[prop] for prop in spec(name)["inputProperties"] if prop in values}


def required_inputs(name: str) -> dict[str, Any]:
    values = VALUES | OVERRIDES.get(name, {})
    return {prop: values[prop] for prop in spec(name).get("requiredInputs", [])}


def from_upstream(name: str, inputs: dict[str, Any], *, preview: bool) -> dict[str, Any]:
    """Every input that accepts outputs given as the upstream resource's output: unknown in a preview."""
    definitions = spec(name)["inputProperties"]
    return {
        prop: value if definitions[prop].get("plain") else OutputValue(UNKNOWN if preview else value, (UPSTREAM,))
        for prop, value in inputs.items()
    }


def constructed(
    engine: PulumiEngine, name: str, inputs: dict[str, Any], *, preview: bool
) -> tuple[Deployment, Constructed]:
    deployment = engine.start_deployment(preview=preview)
    return deployment, engine.construct(name, "subject", from_upstream(name, inputs, preview=preview))


def shape(deployment: Deployment) -> list[tuple[str, str, str]]:
    return sorted((r.type, r.name, r.parent.rsplit("::", 1)[-1]) for r in deployment.resources)


def test_every_input_has_a_sample():
    missing = {
        name: sorted(set(spec(name)["inputProperties"]) - set(every_input(name)))
        for name in NAMES
        if set(spec(name)["inputProperties"]) - set(every_input(name))
    }
    assert not missing, f"add sample values to VALUES or OVERRIDES for {missing}"


def test_the_plugin_answers_as_the_package_at_its_version(engine):
    assert engine.plugin_info.version == PACKAGE_VERSION
    assert engine.accepts_outputs, "Configure accepts output values, so the engine sends them to Construct"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("inputs", [required_inputs, every_input], ids=["required-inputs", "every-input"])
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_construct_registers_the_component_its_children_and_returns_every_output(engine, name, inputs, preview):
    deployment, component = constructed(engine, name, inputs(name), preview=preview)
    registered = deployment.by_urn(component.urn)
    assert registered.type == token(name) and not registered.custom
    assert registered.parent == deployment.stack_urn
    children = deployment.descendants(component.urn)
    assert any(child.custom for child in children), f"{name} registers no AWS resource"
    assert len(deployment.resources) == 1 + len(children), "every resource is parented under the component"
    unset = set() if preview else AWS_COMPUTED_UNDER_MOCKS.get(name, set())
    assert set(component.outputs) | unset == set(spec(name)["properties"]), "Construct returns every declared output"
    assert deployment.component_outputs[component.urn].keys() == component.outputs.keys(), (
        "the component's state uses the names Construct returns"
    )
    if not preview:
        assert UNKNOWN not in [plain(value) for value in component.outputs.values()]
    assert [message for severity, message in deployment.logs if severity > 0] == []


@pytest.mark.parametrize("name", NAMES)
def test_a_preview_with_unknown_inputs_plans_the_resources_the_update_creates(engine, name):
    """A component must not need the value of an input that accepts outputs to decide what to create."""
    planned, _ = constructed(engine, name, every_input(name), preview=True)
    created, _ = constructed(engine, name, every_input(name), preview=False)
    assert shape(planned) == shape(created)


def key_origins(deployment: Deployment, given: set[str]) -> dict[str, set[Any]]:
    """Where a key ARN may come from, with the ARNs it holds: the stack's keys (the upstream
    resource), the keys the component created, and resources encrypted by either (a snapshot copy's
    key is what a restore from it uses)."""
    origins: dict[str, set[Any]] = {UPSTREAM: given}
    origins |= {r.urn: {r.outputs.get("arn")} for r in deployment.resources if r.type in KEY_TYPES}
    while True:
        more = {
            r.urn: {r.outputs.get("kmsKeyId")}
            for r in deployment.resources
            if r.urn not in origins and set(r.property_dependencies.get("kmsKeyId", [])) & set(origins)
        }
        if not more:
            return origins
        origins |= more


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_every_key_input_of_every_child_is_a_key_arn_from_the_inputs_or_a_key_of_the_component(engine, name, preview):
    """kmsKeyId & co. come from a key ARN the stack passed or a key the component made, never typed in.

    In an update the value is that ARN; in a preview it is unknown; either way the child records
    where it came from (propertyDependencies), so the engine orders and replaces them correctly.
    """
    inputs = every_input(name)
    deployment, component = constructed(engine, name, inputs, preview=preview)
    origins = key_origins(
        deployment, {value for prop, value in inputs.items() if prop.endswith("KmsKeyArn") or prop == "kmsKeyArn"}
    )
    problems = []
    for child in deployment.descendants(component.urn):
        for prop, value in child.inputs.items():
            if not KEY_INPUT.match(prop) or value is None:
                continue
            sources = [urn for urn in child.property_dependencies.get(prop, []) if urn in origins]
            expected = {UNKNOWN} if preview else set().union(*(origins[urn] for urn in sources))
            if prop == "targetKeyId":  # an alias names its key by id or ARN
                expected |= {arn.rsplit("/", 1)[-1] for arn in expected if isinstance(arn, str)}
            if not sources:
                problems.append(f"{child.name}.{prop} comes from {child.property_dependencies.get(prop)}, not a key")
            elif plain(value) not in expected:
                problems.append(f"{child.name}.{prop} is {value!r}, not one of {sorted(map(str, expected))}")
    assert not problems, "\n".join(problems)
    for child in deployment.descendants(component.urn):
        if child.type in ENCRYPTED_FLAG:
            assert child.inputs[ENCRYPTED_FLAG[child.type]] is True, child.name


def test_integer_inputs_sent_as_doubles_reach_the_component_as_integers(engine):
    """Numbers cross the wire as doubles; 3.0 instances must still be three (``range`` needs an int)."""
    inputs = every_input("EncryptedCluster") | {"instanceCount": 3.0, "backupRetentionDays": 14.0}
    deployment, _ = constructed(engine, "EncryptedCluster", inputs, preview=False)
    assert len(deployment.of_type("aws:rds/clusterInstance:ClusterInstance")) == 3
    assert deployment.of_type("aws:rds/cluster:Cluster")[0].inputs["backupRetentionPeriod"] == 14


def test_a_key_a_database_and_a_replica_wired_by_outputs_like_a_typescript_stack(engine):
    """The consumer docs' program: outputs of one component feed the next, dependencies follow."""
    deployment = engine.start_deployment(preview=False)
    key = engine.construct("EncryptionKey", "orders-key", {"alias": "alias/orders", "deletionWindowDays": 30})
    database = engine.construct(
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
    replica = engine.construct(
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
    [key_resource] = deployment.of_type("aws:kms/key:Key")
    source = deployment.descendants(database.urn)
    source_instance = next(r for r in source if r.type == "aws:rds/instance:Instance")
    replica_instance = next(r for r in deployment.descendants(replica.urn) if r.type == "aws:rds/instance:Instance")
    assert key_resource.inputs["enableKeyRotation"] is True
    assert key_resource.inputs["deletionWindowInDays"] == 30
    assert source_instance.inputs["kmsKeyId"] == key_resource.outputs["arn"] == key.outputs["keyArn"]
    assert key.urn in source_instance.property_dependencies["kmsKeyId"]
    assert source_instance.inputs["allocatedStorage"] == 50
    assert replica_instance.inputs["replicateSourceDb"] == source_instance.inputs["identifier"]
    assert database.urn in replica_instance.property_dependencies["replicateSourceDb"]
    assert "kmsKeyId" not in replica_instance.inputs, "a same-region replica inherits the source's key"


def test_the_write_only_master_password_crosses_the_wire_only_as_a_secret(engine):
    deployment, _ = constructed(engine, "EncryptedDatabase", every_input("EncryptedDatabase"), preview=False)
    [instance] = deployment.of_type("aws:rds/instance:Instance")
    assert isinstance(instance.inputs["passwordWo"], Secret)


def test_consumer_options_reach_the_children(engine):
    """`protect` and `retainOnDelete` set by the consumer on the component hold for what it creates."""
    deployment = engine.start_deployment(preview=False)
    component = engine.construct("EncryptionKey", "orders-key", {}, protect=True, retain_on_delete=True)
    children = deployment.descendants(component.urn)
    assert children and all(child.protect and child.retain_on_delete for child in children)


def test_the_sdk_alone_still_hands_integers_over_as_floats():
    """Why ``EncryptedRdsProvider`` converts integers. When this fails, the SDK converts by itself: drop that."""
    from pulumi.provider.experimental.component import ComponentProvider

    sdk = ComponentProvider(public_components(), PACKAGE_NAME, None, PACKAGE_VERSION)
    mapped = sdk.map_inputs({"deletionWindowDays": 7.0}, sdk._component_defs["EncryptionKey"])
    assert type(mapped["deletion_window_days"]) is float
