"""The catalogue and configuration users read are the ones the pack runs."""

import json
import re
from pathlib import Path

import pytest
from sdk_args import RULES, build_policies, rdsguard

from offline.policy_gate import recorded_to_resources
from offline.runtime import run_program

DOC = (Path(__file__).resolve().parents[2] / "docs" / "policy-pack.md").read_text()
native = rdsguard.native


def _row(rule_id):
    return next((line for line in DOC.splitlines() if line.startswith(f"| `{rule_id}` |")), "")


def _names(cell):
    """The type names a catalogue cell lists, pulumi-aws and aws-native alike."""
    return {name.strip() for name in cell.replace("aws-native:", ",").replace(";", ",").split(",") if name.strip()}


def _short(types):
    return {t.rsplit(":", 1)[-1] for t in types}


def _block(language, after):
    """The first fenced ``language`` block of the doc that follows the heading ``after``."""
    section = DOC[DOC.index(after) :]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def test_rule_ids_are_unique():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))


def test_every_rule_has_a_severity_the_engine_knows():
    # The registered policy reports its rules' highest severity, ranked in this order.
    assert {rule.severity for rule in RULES} <= set(rdsguard.rule.SEVERITIES)


def test_every_rule_is_in_the_documented_catalogue_with_its_source():
    for rule in RULES:
        assert rule.source in _row(rule.id), rule.id


def test_catalogue_names_the_types_each_rule_judges_for_both_providers():
    for rule in RULES:
        judged = _names(_row(rule.id).split(" | ")[1])
        expected = _short(rule.types) | _short(native.equivalents(frozenset(rule.types)))
        assert judged == expected, rule.id


def test_catalogue_names_the_key_types_each_rule_reads():
    for rule in RULES:
        read = _names(_row(rule.id).split(" | ")[2]) - {"-"}
        expected = _short(rule.keys) | _short(native.equivalents(frozenset(rule.keys)))
        assert read == expected, rule.id


def test_every_rule_cites_a_source_and_says_how_to_fix_it():
    for rule in RULES:
        assert rule.source and rule.url.startswith("https://") and rule.remediation, rule.id


def test_every_registered_policy_reports_at_least_one_rule():
    assert {p.name for p in build_policies()} == {rule.policy for rule in RULES}


# Checked against the pack's config schema by tests/test_docs.py, like every JSON block of the docs.
DOCUMENTED_CONFIG = json.loads(_block("json", "Example `policy-config.json`"))


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_documented_way_to_use_an_approved_key_by_alias_passes(pack, preview):
    code = _block("python", "### Using an approved key by its alias")
    run = run_program(lambda: exec(code, {}), "dev", {"aws:region": "us-east-1"}, preview=preview)
    assert [r.type for r in run.resources if r.type == "aws:kms/alias:Alias"] == ["aws:kms/alias:Alias"]
    pack.configure(DOCUMENTED_CONFIG)
    assert pack.analyze_stack(recorded_to_resources(run.resources), stack="dev").violations == []


# The control forms rule.py documents; FSBP v1.0.0's RDS and KMS controls as its standard page lists
# them (https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html).
CONTROL_FORMS = (
    r"FSBP (?P<fsbp>(RDS|KMS)\.\d+)",
    r"Security Hub (?P<hub>(RDS|KMS)\.\d+)",
    r"CIS v\d+\.\d+\.\d+ \d+(\.\d+)+",
    r"PCI DSS v4\.0\.1 \d+(\.\d+)+",
)
FSBP_CONTROLS = {
    *(f"RDS.{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 24, 25)),
    *(f"RDS.{n}" for n in (27, 34, 35, 36, 37, 40, 41, 42, 43, 44, 45, 46, 47, 48)),
    "KMS.1",
    "KMS.2",
    "KMS.3",
    "KMS.5",
}


def test_every_rule_lists_a_control_or_says_why_none_applies():
    for rule in RULES:
        assert rule.controls or rule.controls_note.strip(), rule.id


def test_controls_are_written_in_a_documented_form_and_fsbp_only_for_fsbp_controls():
    for rule in RULES:
        for control in rule.controls:
            match = next((m for form in CONTROL_FORMS if (m := re.fullmatch(form, control))), None)
            assert match, f"{rule.id}: {control!r}"
            groups = match.groupdict()
            if groups.get("fsbp"):
                assert groups["fsbp"] in FSBP_CONTROLS, f"{rule.id}: {control} is not in FSBP"
            if groups.get("hub"):
                assert groups["hub"] not in FSBP_CONTROLS, f"{rule.id}: {control} is in FSBP; write FSBP"


def test_catalogue_row_ends_with_the_rules_controls_and_the_note_is_listed():
    for rule in RULES:
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert row.endswith(f"| {', '.join(rule.controls) or 'none'} |"), rule.id
        if rule.controls_note:
            assert f"- `{rule.id}`: {rule.controls_note}\n" in DOC, rule.id


README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
DEFAULT_LEVELS = {policy.name: policy.enforcement_level.value for policy in build_policies()}


def test_the_readme_lists_every_rule_once_at_its_default_level():
    section = README.split("## Policy pack rules", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| `")]
    listed = [(cells[1].strip().strip("`"), cells[2].strip()) for cells in rows]
    assert sorted(listed) == sorted((rule.id, DEFAULT_LEVELS[rule.policy]) for rule in RULES)
