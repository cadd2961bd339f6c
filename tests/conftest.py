"""Shared fixtures: run the real program (or a component) under the recording mock monitor.

Every call runs in a fresh thread, event loop and Pulumi context, so each test runs the program
fresh and sees exactly what that run registered.
"""

import json

import pytest

from components import InvalidArgumentsError
from offline.export import diy_stack_file, export_document
from offline.policy_gate import PolicyPackProcess
from offline.runtime import ProgramError, StackRun, run_program, run_stack, stack_config

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
#: The prod stack as an Aurora global database: its DR replica becomes the secondary cluster, and
#: what only DB instances have (replicas, backup replication, snapshot copies and shares) is off.
PROD_AS_AURORA_GLOBAL = {
    "encrypted-rds:dbEngine": "aurora-postgresql",
    "encrypted-rds:dbEngineVersion": "16.4",
    "encrypted-rds:dbLogExports": ["postgresql"],
    "encrypted-rds:sameRegionReplicas": 0,
    "encrypted-rds:drAutomatedBackups": False,
    "encrypted-rds:drSnapshotCopy": False,
    "encrypted-rds:backupAccountIds": [],
}


@pytest.fixture
def deploy():
    """deploy(stack, **overrides) runs __main__.py for the stack; overrides use full config keys."""

    def run(stack: str, overrides: dict | None = None) -> StackRun:
        return run_stack(stack, overrides)

    return run


@pytest.fixture
def rejected():
    """rejected(stack, overrides) runs the program expecting failure; returns (message, run)."""

    def run(stack: str, overrides: dict) -> tuple[str, StackRun]:
        with pytest.raises(ProgramError) as failure:
            run_stack(stack, overrides)
        return str(failure.value.error), failure.value.run

    return run


@pytest.fixture
def under_mocks():
    """under_mocks(program, stack='dev') runs any Pulumi code (a component) with dev's config."""

    def run(program, stack: str = "dev") -> StackRun:
        return run_program(program, stack, stack_config(stack))

    return run


@pytest.fixture
def refused(under_mocks):
    """refused(program) runs component code that must be refused before registering anything;
    returns the problems, each naming its argument."""

    def run(program) -> list[str]:
        with pytest.raises(ProgramError) as failure:
            under_mocks(program)
        assert isinstance(failure.value.error, InvalidArgumentsError), failure.value.error
        assert failure.value.run.resources == []
        return failure.value.error.problems

    return run


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """This project's stacks as `pulumi stack export` would write them after `pulumi up` (and dev
    also as a DIY backend stack file): file paths by name."""
    folder = tmp_path_factory.mktemp("exports")
    dev = run_stack("dev")
    documents = {
        "prod": export_document(run_stack("prod")),
        "dev": export_document(dev),
        "dev-diy": diy_stack_file(dev),
    }
    for name, document in documents.items():
        (folder / f"{name}.json").write_text(json.dumps(document, indent=4))
    return {name: str(folder / f"{name}.json") for name in documents}


@pytest.fixture(scope="session")
def pack():
    """The policy pack, spawned and served over gRPC as the engine runs it; one for the session."""
    with PolicyPackProcess() as process:
        yield process


@pytest.fixture
def fresh(pack):
    """The pack, configured with nothing but the schema defaults."""
    pack.configure({})
    return pack
