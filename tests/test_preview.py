"""The offline preview: the main job on a machine without AWS, and a pre-merge gate."""

import pytest

from offline import preview
from offline.runtime import run_stack


def test_prod_preview_shows_every_database_on_a_customer_managed_key_and_passes_the_pack(capsys):
    assert preview.main(["--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OFFLINE PREVIEW of stack 'prod'")
    assert "deterministic placeholders" in out
    assert "kmsKeyId=(the source's key, inherited) arn:aws:kms:us-east-1:" in out
    assert "kmsKeyId=arn:aws:kms:us-west-2:123456789012:key/" in out
    assert "+ aws:rds/instance:Instance  database-instance  [protect, retainOnDelete]" in out
    assert "0 mandatory, 0 advisory violation(s)" in out


def test_invalid_config_exits_2_with_the_validation_message(capsys, monkeypatch):
    monkeypatch.setattr(
        preview, "run_stack", lambda stack: run_stack(stack, {"encrypted-rds:dbInstanceClass": "db.t2.micro"})
    )
    assert preview.main(["--stack", "dev"]) == 2
    err = capsys.readouterr().err
    assert "encrypted-rds:dbInstanceClass: instance class 'db.t2.micro' does not support encryption at rest" in err


@pytest.fixture
def unencrypted_dev(monkeypatch):
    def run(stack):
        recorded = run_stack(stack)
        recorded.named("database-instance").inputs["storageEncrypted"] = False
        return recorded

    monkeypatch.setattr(preview, "run_stack", run)


def test_a_mandatory_violation_fails_the_gate_and_names_the_rule(unencrypted_dev, capsys):
    assert preview.main(["--stack", "dev"]) == 1
    out = capsys.readouterr().out
    assert "MANDATORY rds-storage-encrypted" in out
    assert "[database-instance]" in out
