"""The offline preview: the main job on a machine without AWS, and a pre-merge gate for any program."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline import preview
from offline.runtime import ENCRYPTED_PLACEHOLDER, ROOT, run_stack, stack_config

EXAMPLE = ROOT / "examples" / "python"
#: A deliberately bad team program: an unencrypted instance and one on the AWS managed key.
LEGACY = ROOT / "tests" / "programs" / "legacy-orders"


def test_prod_preview_shows_every_database_on_a_customer_managed_key_and_passes_the_pack(capsys):
    assert preview.main(["--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OFFLINE PREVIEW of stack 'prod' of project 'encrypted-rds'")
    assert "deterministic placeholders" in out
    assert "kmsKeyId=(the source's key, inherited) arn:aws:kms:us-east-1:" in out
    assert "kmsKeyId=arn:aws:kms:us-west-2:123456789012:key/" in out
    assert "+ aws:rds/instance:Instance  database-instance  [protect, retainOnDelete]" in out
    assert "0 mandatory, 0 advisory violation(s)" in out


def test_invalid_config_exits_2_with_the_validation_message(capsys):
    assert preview.main(["--stack", "dev", "-c", "encrypted-rds:dbInstanceClass=db.t2.micro"]) == 2
    err = capsys.readouterr().err
    assert "encrypted-rds:dbInstanceClass: instance class 'db.t2.micro' does not support encryption at rest" in err


def test_a_config_override_without_namespace_is_the_programs_own_key(capsys):
    assert preview.main(["--program", str(LEGACY), "--stack", "dev", "-c", "engine=postgres"]) == 1
    assert "engine=postgres" in capsys.readouterr().out


def test_a_config_override_without_a_value_exits_2_naming_the_form(capsys):
    assert preview.main(["--stack", "dev", "-c", "encrypted-rds:dbMultiAz"]) == 2
    assert "-c encrypted-rds:dbMultiAz: expected KEY=VALUE" in capsys.readouterr().err


def test_a_stack_without_its_settings_file_is_named_instead_of_its_missing_keys(capsys):
    assert preview.main(["--stack", "staging"]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.staging.yaml does not exist" in err
    assert "stacks with settings here: dev, prod" in err
    assert "is required" not in err


def test_a_directory_without_pulumi_yaml_is_refused(capsys):
    assert preview.main(["--program", str(ROOT / "tests"), "--stack", "dev"]) == 2
    assert "has no Pulumi.yaml" in capsys.readouterr().err


# Any program: --program DIR --stack NAME ---------------------------------------------------------


def test_the_python_example_passes_under_its_own_project_name_and_stack_file(capsys):
    assert preview.main(["--program", str(EXAMPLE), "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OFFLINE PREVIEW of stack 'dev' of project 'orders-database-py'")
    assert "+ aws:rds/instance:Instance  orders-replica-instance" in out
    assert "0 mandatory, 0 advisory violation(s)" in out


def test_the_program_option_works_as_a_module_command_from_the_repository():
    """The command the docs give, in a process of its own (default stack: dev)."""
    done = subprocess.run(
        [sys.executable, "-m", "offline.preview", "--program", "examples/python"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "of project 'orders-database-py' in examples/python/" in done.stdout


def test_a_bad_program_fails_the_gate_with_each_violation_named(capsys):
    assert preview.main(["--program", str(LEGACY), "--stack", "dev"]) == 1
    out = capsys.readouterr().out
    assert "MANDATORY rds-storage-encrypted: [rds-storage-encrypted] Instance 'orders'" in out
    assert "`kmsKeyId` is the AWS managed key `alias/aws/rds`" in out
    assert "[reports]" in out
    assert "4 mandatory" in out


def test_a_program_runs_under_its_project_name_with_pulumi_yaml_defaults_then_its_stack_file():
    run = run_stack("dev", directory=LEGACY)
    orders = run.named("orders")
    assert run.project == "legacy-orders"
    assert orders.inputs["engine"] == "mysql", "the default declared in its Pulumi.yaml"
    assert orders.inputs["dbSubnetGroupName"] == "legacy-private", "from its Pulumi.dev.yaml"
    assert orders.urn.startswith("urn:pulumi:dev::legacy-orders::")


def test_a_program_imports_its_own_modules_from_its_directory():
    run = run_stack("dev", directory=LEGACY)
    assert run.named("orders").inputs["instanceClass"] == "db.t3.medium"  # from database_defaults.py beside it


def test_encrypted_stack_values_are_named_and_the_program_sees_a_placeholder(capsys):
    run = run_stack("dev", directory=LEGACY)
    assert run.config["legacy-orders:dbPassword"] == ENCRYPTED_PLACEHOLDER
    preview.main(["--program", str(LEGACY), "--stack", "dev"])
    assert f"Encrypted config the program saw as '{ENCRYPTED_PLACEHOLDER}': legacy-orders:dbPassword" in (
        capsys.readouterr().out
    )


def program_in(directory: Path, source: str) -> list[str]:
    """A one-file program with a dev stack in us-east-1; returns the preview's arguments for it."""
    (directory / "Pulumi.yaml").write_text("name: team-program\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (directory / "__main__.py").write_text(source)
    return ["--program", str(directory), "--stack", "dev"]


def test_project_values_apply_under_the_stack_file_and_a_namespaced_short_form_is_a_value(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text(
        "name: team-program\nruntime: python\n"
        "config:\n  aws:region: eu-central-1\n  retention:\n    type: integer\n    default: 7\n  tier: small\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  team-program:retention: 14\n")
    config = stack_config("dev", directory=tmp_path)
    assert config == {"aws:region": "eu-central-1", "team-program:retention": "14", "team-program:tier": "small"}


def test_a_program_runs_from_its_main_with_its_stacks_in_its_stack_config_dir(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: team-program\nruntime: python\nmain: src/\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__main__.py").write_text(
        'import pulumi_aws as aws\naws.kms.Key("key", enable_key_rotation=True)\n'
    )
    run = run_stack("dev", directory=tmp_path)
    assert run.named("key").outputs["arn"].startswith("arn:aws:kms:eu-west-1:")


def test_an_error_in_a_program_exits_2_with_its_own_traceback(tmp_path, capsys):
    assert preview.main(program_in(tmp_path, "settings = {}\nsettings['missing']\n")) == 2
    err = capsys.readouterr().err
    assert f'File "{tmp_path / "__main__.py"}", line 2' in err
    assert "KeyError: 'missing'" in err
    assert "site-packages" not in err


def test_a_data_source_that_cannot_be_answered_offline_exits_2_naming_it(tmp_path, capsys):
    source = 'import pulumi_aws as aws\naws.rds.get_engine_version(engine="postgres")\n'
    assert preview.main(program_in(tmp_path, source)) == 2
    assert "it called aws:rds/getEngineVersion:getEngineVersion" in capsys.readouterr().err


def test_a_stack_reference_exits_2_saying_other_stacks_are_not_read_offline(tmp_path, capsys):
    source = 'import pulumi\npulumi.StackReference("acme/network/prod")\n'
    assert preview.main(program_in(tmp_path, source)) == 2
    assert "StackReference 'acme/network/prod': another stack's outputs cannot be read offline" in (
        capsys.readouterr().err
    )


# Password modes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "mode"),
    [
        ({"manageMasterUserPassword": True}, "secrets-manager"),
        (
            {"passwordWo": "x", "passwordWoVersion": 2.0},
            "write-only (passwordWo, applied when passwordWoVersion changes; now 2)",
        ),
        ({"masterPasswordWo": "x", "masterPasswordWoVersion": 1.0}, "write-only (masterPasswordWo"),
        ({"password": "x"}, "plain input password"),
        ({"masterPassword": "x"}, "plain input masterPassword"),
        ({"replicateSourceDb": "orders"}, "the source's"),
        ({"snapshotIdentifier": "arn:aws:rds:us-east-1:123456789012:snapshot:s"}, "the snapshot's"),
        ({"globalClusterIdentifier": "orders-global"}, "the global database's"),
        ({}, "none set"),
    ],
)
def test_the_password_mode_is_read_from_the_inputs_without_the_value(inputs, mode):
    described = preview.password_mode(inputs)
    assert described.startswith(mode)
    assert "'x'" not in described and "=x" not in described


def test_the_preview_prints_the_password_mode_of_each_database(capsys):
    preview.main(["--stack", "prod"])
    out = capsys.readouterr().out
    primary = out.split("database-instance  [protect, retainOnDelete]", 1)[1].split("\n+", 1)[0]
    assert "password=write-only (passwordWo" in primary
    assert out.count("password=the source's") == 2, "the same-region and the cross-region replica"


# Exit codes through make --------------------------------------------------------------------------


def make_preview(*variables: str) -> subprocess.CompletedProcess[str]:
    """`make preview` with this test run's virtualenv, which is installed already (-o: never remade)."""
    venv = Path(sys.prefix)
    return subprocess.run(
        ["make", "--no-print-directory", "-o", f"{venv}/.installed", "preview", f"VENV={venv}", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@needs_make
def test_make_exits_2_on_a_mandatory_violation_and_names_the_previews_code_1():
    done = make_preview(f"PROGRAM={LEGACY.relative_to(ROOT)}")
    assert done.returncode == 2
    assert "preview] Error 1" in done.stderr


@needs_make
def test_make_exits_2_when_the_program_cannot_run_and_names_the_previews_code_2():
    done = make_preview("STACK=staging")
    assert done.returncode == 2
    assert "preview] Error 2" in done.stderr
