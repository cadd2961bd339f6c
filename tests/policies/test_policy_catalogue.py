"""The catalogue users read is the one the pack runs."""

from pathlib import Path

from sdk_args import RULES, build_policies

DOC = (Path(__file__).resolve().parents[2] / "docs" / "policy-pack.md").read_text()


def test_rule_ids_are_unique():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))


def test_every_rule_is_in_the_documented_catalogue_with_its_source():
    for rule in RULES:
        row = next((line for line in DOC.splitlines() if line.startswith(f"| `{rule.id}` |")), "")
        assert rule.source in row, rule.id


def test_every_rule_cites_a_source_and_says_how_to_fix_it():
    for rule in RULES:
        assert rule.source and rule.url.startswith("https://") and rule.remediation, rule.id


def test_every_registered_policy_reports_at_least_one_rule():
    assert {p.name for p in build_policies()} == {rule.policy for rule in RULES}
