"""Stack rules look resources up through indexes: linear in the stack, and the answers of a scan."""

import pytest
from reference import scan_find
from sdk_args import analyze_stack, rdsguard

from benchmarks.stacks import approved_aliases, realistic_stack

Props, Resource, Stack = rdsguard.props.Props, rdsguard.rule.Resource, rdsguard.rule.Stack
INSTANCE, KEY = "aws:rds/instance:Instance", "aws:kms/key:Key"


def property_reads(monkeypatch, size: int) -> int:
    reads = 0
    get = Props.get

    def counted(self, name):
        nonlocal reads
        reads += 1
        return get(self, name)

    monkeypatch.setattr(Props, "get", counted)
    config = {"rds-key-placement": {"approvedKmsKeys": approved_aliases(size)}}
    assert analyze_stack(realistic_stack(size), config=config) == []
    monkeypatch.setattr(Props, "get", get)
    return reads


def test_stack_rules_read_properties_a_linear_number_of_times(monkeypatch):
    # Half the replicas and snapshots name their source without a dependency, so a scan per
    # lookup would make the reads grow with the square of the stack.
    small, large = property_reads(monkeypatch, 500), property_reads(monkeypatch, 4000)
    assert large / small <= 8 * 1.1


def view(name: str, type_: str = INSTANCE, deps: dict | None = None, **props) -> Resource:
    resource = Resource(f"urn:pulumi:prod::p::{type_}::{name}", type_, name, Props(props))
    resource.deps = lambda prop: (deps or {}).get(prop, [])
    return resource


@pytest.mark.parametrize("value", ["db-1", "arn:db-2", "db-3", "missing", "", None, 7])
def test_find_answers_what_a_scan_finds(value):
    stack = Stack(
        [
            view("a", identifier="db-1", arn="arn:db-1"),
            view("b", identifier="db-2", arn="arn:db-2"),
            view("c", identifier="arn:db-2", arn=7),  # a later match by another property
            view("d", identifier="db-1"),  # a duplicate: the first one wins
            view("e", "aws:rds/cluster:Cluster", clusterIdentifier="db-3", arn="arn:db-3"),
            view("f", identifier="db-3", id="db-3"),
            view("g", identifier=["db-1"]),  # not a string: never matches
        ]
    )
    for types in [(INSTANCE,), ("aws:rds/cluster:Cluster", INSTANCE), (KEY,)]:
        for props in [("identifier", "arn", "id"), ("arn",), ("clusterIdentifier", "identifier")]:
            assert stack.find(types, value, *props) is scan_find(stack, types, value, *props), (types, props)
