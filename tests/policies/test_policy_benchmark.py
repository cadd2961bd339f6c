"""The stacks the pack's benchmark measures are correct ones, and the benchmark runs (tiny sizes)."""

import pytest
from stack_fixtures import AWAY, as_preview

from benchmarks import policy_pack
from benchmarks.stacks import approved_aliases, realistic_stack
from offline.policy_gate import PolicyPackProcess

SIZE = 400


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess(config={"rds-key-placement": {"approvedKmsKeys": approved_aliases(SIZE)}}) as process:
        yield process


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_realistic_stack_passes_every_rule(pack, preview):
    resources = realistic_stack(SIZE)
    verdicts = pack.analyze_stack(as_preview(resources) if preview else resources, stack="prod")
    assert [str(v) for v in verdicts.violations] == []


def test_realistic_stack_has_the_requested_size_and_a_majority_of_unrelated_resources():
    resources = realistic_stack(SIZE)
    judged = [r for r in resources if r["type"] in policy_pack.COVERED]
    assert len(resources) == SIZE
    assert 0.2 < len(judged) / SIZE < 0.4


def test_half_the_replicas_name_their_source_without_a_dependency():
    replicas = [r for r in realistic_stack(SIZE) if "replicateSourceDb" in r["inputs"]]
    literal = [r for r in replicas if not r["propertyDependencies"]["replicateSourceDb"]]
    assert {r["inputs"]["replicateSourceDb"].startswith("arn:") for r in literal} == {True, False}
    assert len(literal) * 2 == len(replicas)


def test_benchmark_reports_every_goal_against_the_floor_and_writes_its_sections(tmp_path):
    doc, readme = tmp_path / "performance.md", tmp_path / "README.md"
    doc.write_text("# Performance\n<!-- policy-benchmark:start -->\nstale figures\n<!-- policy-benchmark:end -->\n")
    readme.write_text("# Readme\n<!-- policy-goals:start -->\n<!-- policy-goals:end -->\nrest\n")
    tiny = ["--sizes", "60", "300", "--runs", "1", "--requests", "4", "--spawns", "1", "--pairs", "2"]
    text = policy_pack.main([*tiny, "--write", str(doc), str(readme)])
    goals = text.split("**Goals**")[1]
    for measure in ("AnalyzeStack 60 → 300", "cold start / one-policy pack (bytecode compiled)"):
        assert f"| {measure}" in goals, measure
    assert goals.count("Analyze median") == 3
    assert goals.count("| cold start") == 2  # the pack as found, and with its bytecode compiled
    assert "**AnalyzeStack**" in doc.read_text() and "stale figures" not in doc.read_text()
    written = readme.read_text()
    assert goals.strip() in written and "**AnalyzeStack**" not in written and written.endswith("rest\n")


def test_realistic_stack_has_aws_native_resources_without_letting_them_dominate():
    aliases = {"aws:kms/alias:Alias", "aws-native:kms:Alias"}  # followed by the stack rules, judged by none
    judged = [r for r in realistic_stack(SIZE) if r["type"] in policy_pack.COVERED | aliases]
    native = {r["type"] for r in judged if r["type"].startswith("aws-native:")}
    assert native == {
        "aws-native:rds:DbInstance",
        "aws-native:kms:Key",
        "aws-native:kms:ReplicaKey",
        "aws-native:kms:Alias",
    }
    share = sum(1 for r in judged if r["type"] in native) / len(judged)
    assert 0.03 < share < 0.15


def test_some_instances_are_restored_from_a_snapshot_copy_in_the_other_region():
    resources = realistic_stack(SIZE)
    copies = {r["outputs"]["dbSnapshotArn"] for r in resources if r["type"] == "aws:rds/snapshotCopy:SnapshotCopy"}
    restores = [r for r in resources if r["inputs"].get("snapshotIdentifier") in copies]
    assert restores and all(r["inputs"]["region"] == AWAY for r in restores)
    assert len(restores) < len(copies)


def test_every_input_has_a_property_dependencies_entry_empty_for_a_literal():
    # As the engine records them (the SDKs send one per input).
    for resource in realistic_stack(SIZE):
        if "propertyDependencies" in resource:
            assert set(resource["inputs"]) <= set(resource["propertyDependencies"]), resource["name"]
