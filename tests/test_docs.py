"""Every code block of README.md and docs/*.md is checked here, so no snippet can go stale.

Blocks are collected by walking the Markdown files: a new block is covered the moment it is written,
and a block of a language with no check below fails until it is checked or marked. Per language:

- ``python``: runs under the mock runtime with the dev stack's config, a fresh program per block;
  it must raise nothing, register at least one resource, and pass the policy pack without a single
  violation (the docs never show what the pack refuses). A ``pulumi.StackReference`` to one of this
  project's stacks reads that stack's real outputs (run offline too).
- ``yaml`` and ``typescript``: run by tests/test_examples.py through the package's plugin, as the
  examples are: types, property names, required inputs, ``${resource.output}`` and config
  references against the schema, the pinned release, then Construct calls in a preview and an
  update. A YAML block must be a program (``resources:``) or a ``packages:`` entry to be run there;
  a block followed by a ```text block is an invalid program and the text is what the engine
  reports for it, checked there too.
- ``json``: parses; a policy pack configuration (its keys are the pack's policy names) is validated
  against each policy's config schema, as the pack reports it over gRPC.
- ``bash``: every command is checked without being run (``bash_problems``): make targets exist
  (``make -n``); ``python -m`` modules import, and the options given to this repository's modules
  are in their ``--help``; files and directories named exist; ``pulumi`` and ``aws`` commands and
  their flags are in the tables below (taken from each command's CLI reference page), the config
  keys given to ``pulumi config set`` are declared by that project (or are the aws provider's), a
  ``pulumi package add`` names the components/ directory at this release, ``pulumi stack output``
  names an output the stack exports, and ``pulumi policy enable`` the pack's name. Any other
  command fails the check.

Markers (tests/doc_blocks.py finds them): an HTML comment on the line just above the opening fence,
invisible once rendered:

- ``<!-- doc-test: skip REASON -->``: the block is not checked; the reason is required.
- ``<!-- doc-test: continues -->`` (python): runs in the same program and namespace as the previous
  python block of the file, so a snippet can build on the one before it.
- ``<!-- doc-test: output-of python -m offline.preview ARGS -->`` (a block without language): the
  block is what that command prints, run from the repository's root; each of its lines must be a line
  of the real output (stdout and stderr, indentation aside), where ``(...)`` stands for any text.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import shlex
import subprocess
import sys
import traceback
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml
from google.protobuf import json_format

from components.package import PACKAGE_VERSION
from offline import preview
from offline.policy_gate import PolicyPackProcess, recorded_to_resources
from offline.runtime import ROOT, ProgramError, project_file, run_program, run_stack, stack_config, stack_file
from tests.doc_blocks import Block, all_blocks, blocks

#: Checked here, or (yaml, typescript and the text of their reports) by tests/test_examples.py.
CHECKED = {"python", "json", "bash", "yaml", "typescript"}


def ids(found: list[Block]) -> list[str]:
    return [block.id for block in found]


def test_every_block_has_a_check_or_a_marker_saying_why_not():
    reports = {block.report for block in all_blocks() if block.report is not None}
    problems = []
    for block in all_blocks():
        kind = block.marker.split(" ", 1)[0]
        if kind == "skip" and not block.marker.removeprefix("skip").strip():
            problems.append(f"{block.id}: 'skip' needs a reason")
        elif kind not in ("", "skip", "continues", "output-of"):
            problems.append(f"{block.id}: unknown marker '{block.marker}'")
        elif kind == "" and block.language not in CHECKED and block not in reports:
            problems.append(f"{block.id}: no check for '{block.language or 'text'}' blocks; add one or a marker")
        elif kind == "output-of" and block.language:
            problems.append(f"{block.id}: an output block has no language")
        elif kind == "continues" and block.language != "python":
            problems.append(f"{block.id}: only python blocks continue")
        elif (
            kind == "" and block.language == "yaml" and not {"resources", "packages"} & set(yaml.safe_load(block.code))
        ):
            problems.append(f"{block.id}: neither a Pulumi YAML program nor a packages entry: nothing runs it")
    assert not problems, "\n".join(problems)


def test_the_docs_have_blocks_of_every_checked_kind():
    """The walk finds the blocks (a broken fence pattern would silently check nothing)."""
    assert CHECKED <= {block.language for block in all_blocks()}


# Python ----------------------------------------------------------------------------------------


def python_programs() -> list[list[Block]]:
    programs: list[list[Block]] = []
    for block in blocks("python"):
        if block.marker == "continues":
            assert programs and programs[-1][0].path == block.path, f"{block.id}: nothing to continue"
            programs[-1].append(block)
        else:
            programs.append([block])
    return programs


def stack_references(code: str) -> dict[str, dict]:
    """The outputs of this project's stacks that the code reads through ``pulumi.StackReference``:
    run offline, so a snippet can only read an output the stack really exports."""
    found = {}
    for name, project, stack in re.findall(r'StackReference\(\s*"([^"/]+/([^"/]+)/([^"/]+))"', code):
        if project == project_file()["name"] and stack_file(stack).exists():
            found[name] = run_stack(stack).outputs
    return found


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess() as process:
        yield process


@pytest.mark.parametrize("program", python_programs(), ids=lambda program: program[0].id)
def test_python_block_runs_under_the_mock_runtime_and_passes_the_pack(program, pack):
    namespace: dict = {"__name__": "__main__"}

    def run() -> None:
        for block in program:
            # Padded so that a traceback names the Markdown file and the line in it.
            exec(compile("\n" * block.line + block.code, str(block.path), "exec"), namespace)

    references = stack_references("".join(block.code for block in program))
    try:
        recorded = run_program(run, "dev", stack_config("dev"), stack_references=references)
    except ProgramError as failure:
        # Only the snippet's own lines: pytest cannot show Markdown frames itself.
        frames = [
            frame for frame in traceback.extract_tb(failure.error.__traceback__) if frame.filename.endswith(".md")
        ]
        pytest.fail(
            "".join(traceback.format_list(frames) + traceback.format_exception_only(failure.error)), pytrace=False
        )
    assert any(resource.custom for resource in recorded.resources), "the snippet creates nothing"
    verdicts = pack.analyze_stack(recorded_to_resources(recorded.resources), stack="dev")
    assert not verdicts.violations, "\n".join(map(str, verdicts.violations))


# JSON ------------------------------------------------------------------------------------------


def policy_config_schemas(pack: PolicyPackProcess) -> dict[str, dict]:
    """Each policy's config schema, as the pack reports it to the engine (GetAnalyzerInfo)."""
    assert pack.info is not None
    return {
        policy.name: json_format.MessageToDict(policy.configSchema, preserving_proto_field_name=True)
        for policy in pack.info.policies
    }


LEVELS = ["advisory", "mandatory", "remediate", "disabled"]


def policy_config_problems(config: dict, pack: PolicyPackProcess) -> list[str]:
    """A policy pack configuration as the engine reads it: ``all`` or a policy name mapped to an
    enforcement level, or a policy name mapped to its settings
    (https://www.pulumi.com/docs/using-pulumi/crossguard/configuration/)."""
    schemas, problems = policy_config_schemas(pack), []
    for policy, values in config.items():
        if policy != "all" and policy not in schemas:
            problems.append(f"{policy}: not a policy of the pack ({', '.join(sorted(schemas))})")
            continue
        if isinstance(values, str) or policy == "all":
            problems += [] if values in LEVELS else [f"{policy}: {values!r} is not one of {LEVELS}"]
            continue
        schema = {
            "type": "object",
            "properties": {"enforcementLevel": {"enum": LEVELS}, **schemas[policy].get("properties", {})},
            "required": schemas[policy].get("required", []),
            # The engine lets unknown names through and the pack ignores them: a doc must not.
            "additionalProperties": False,
        }
        problems += [f"{policy}: {error.message}" for error in jsonschema.Draft7Validator(schema).iter_errors(values)]
    return problems


@pytest.mark.parametrize("block", blocks("json"), ids=ids(blocks("json")))
def test_json_block_parses_and_a_policy_config_matches_the_packs_schema(block, pack):
    document = json.loads(block.code)
    if isinstance(document, dict) and set(document) & set(policy_config_schemas(pack)):
        problems = policy_config_problems(document, pack)
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "config",
    [
        {"kms-key-lifecycle": {"minimumDeletionWindowDays": 14}},
        {"kms-key-lifecycle": {"minimumDeletionWindowInDays": "14"}},
        {"kms-key-lifecycle": "strict"},
        {"all": "blocking"},
        {"rds-encryption": "mandatory"},
    ],
)
def test_a_stale_policy_config_is_refused(config, pack):
    assert policy_config_problems(config, pack)


def test_the_engines_short_forms_are_a_valid_policy_config(pack):
    assert not policy_config_problems({"all": "advisory", "kms-key-lifecycle": "mandatory"}, pack)


# Bash ------------------------------------------------------------------------------------------

#: Global flags every pulumi command takes (https://www.pulumi.com/docs/iac/cli/commands/pulumi/).
PULUMI_GLOBAL = {"-C", "--cwd", "--color", "--non-interactive", "-v", "--verbose", "--logtostderr", "-e", "--emoji"}
#: The pulumi commands the docs may use and their flags, from each command's page
#: (https://www.pulumi.com/docs/iac/cli/commands/pulumi_<command>_<subcommand>/).
PULUMI = {
    ("login",): {"--local", "--cloud-url", "--default-org"},
    ("stack", "init"): {"-s", "--stack", "--secrets-provider", "--copy-config-from"},
    ("stack", "select"): {"-s", "--stack", "-c", "--create"},
    ("stack", "output"): {"-s", "--stack", "-j", "--json", "--show-secrets"},
    ("stack", "ls"): {"-a", "--all", "-j", "--json", "-o", "--organization", "-p", "--project"},
    ("stack", "export"): {"-s", "--stack", "--file", "--show-secrets", "--version"},
    ("config", "set"): {"-s", "--stack", "--path", "--secret", "--plaintext"},
    ("config", "rm"): {"-s", "--stack", "--path"},
    ("preview",): {"-s", "--stack", "-c", "--config", "--policy-pack", "--policy-pack-config", "--diff", "--refresh"},
    ("up",): {"-s", "--stack", "-c", "--config", "--policy-pack", "--policy-pack-config", "-y", "--yes", "--refresh"},
    ("destroy",): {"-s", "--stack", "-y", "--yes"},
    ("install",): set(),
    ("package", "add"): set(),
    ("package", "get-schema"): set(),
    ("policy", "publish"): set(),
    ("policy", "enable"): {"--config", "--policy-group"},
}
#: The AWS CLI commands the docs may use and their options
#: (https://docs.aws.amazon.com/cli/latest/reference/rds/<command>.html).
AWS = {
    ("rds", "describe-db-instances"): {"--db-instance-identifier", "--query", "--output", "--region"},
    ("rds", "modify-db-instance"): {
        "--db-instance-identifier",
        "--deletion-protection",
        "--no-deletion-protection",
        "--apply-immediately",
        "--region",
    },
    ("rds", "delete-db-instance"): {
        "--db-instance-identifier",
        "--final-db-snapshot-identifier",
        "--skip-final-snapshot",
        "--region",
    },
}
OPTIONS_WITH_VALUES = {"-s", "--stack", "-c", "--config", "--policy-pack", "--policy-pack-config", "--policy-group"}


#: Shell words that only start or end a loop or a group around commands.
SHELL_KEYWORDS = {"while", "do", "done", "then", "fi", "{", "}"}
#: Commands that only move or show text: nothing of this project to check in them.
TEXT_COMMANDS = {"mkdir", "echo", "printf", "cat", "jq"}


def _without_heredocs(code: str) -> str:
    """The lines of a script without the bodies of its here-documents (``<<'EOF'`` ... ``EOF``)."""
    kept, terminator = [], None
    for line in code.splitlines():
        if terminator is not None:
            terminator = None if line.strip() == terminator else terminator
            continue
        if heredoc := re.search(r"<<-?\s*['\"]?(\w+)", line):
            terminator = heredoc[1]
        kept.append(line)
    return "\n".join(kept)


def commands(code: str) -> list[list[str]]:
    """The commands of a bash block: continuation lines joined, here-documents and comments dropped,
    command substitutions ``$(...)`` taken as commands of their own, split at ``&&``, ``||``, ``;``
    and ``|``, loop keywords and ``for X in ...`` headers dropped, and the brackets of optional
    arguments (``[--flag value]``) removed."""
    found = []
    for line in _without_heredocs(code.replace("\\\n", " ")).splitlines():
        substitutions = re.findall(r"\$\(([^()]*)\)", line)
        line = re.sub(r"\$\(([^()]*)\)", "SUBSTITUTION", line)
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split, lexer.commenters = True, "#"
        words = [word.strip("[]") for word in lexer]
        command: list[str] = []
        for word in [*words, ";"]:
            if word in ("&&", "||", ";", "|"):
                if command and command[0] != "for":
                    found.append(command)
                command = []
            elif word and not (not command and word in SHELL_KEYWORDS):
                command.append(word)
        found += [words for substitution in substitutions for words in commands(substitution)]
    return found


def option_value(words: list[str], *names: str) -> str | None:
    return next((words[i + 1] for i, word in enumerate(words[:-1]) if word in names), None)


def positional(words: list[str]) -> list[str]:
    """The arguments that are neither options nor the values of options."""
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in OPTIONS_WITH_VALUES
        else:
            found.append(word)
    return found


@cache
def aws_provider_keys() -> set[str]:
    spec = importlib.util.find_spec("pulumi_aws.config.vars")
    assert spec is not None and spec.origin is not None
    return set(re.findall(r"__config__\.get\('(\w+)'\)", Path(spec.origin).read_text()))


def config_key_problem(key: str, cwd: Path) -> str | None:
    """A key given to `pulumi config set` must be one the project (or the aws provider) declares."""
    bare = re.split(r"[.\[]", key, maxsplit=1)[0]
    project = project_file(cwd)
    namespace, _, name = bare.rpartition(":")
    if namespace == "aws":
        return None if name in aws_provider_keys() else f"{key}: not a setting of the aws provider"
    if namespace in ("", project["name"]) and name in (project.get("config") or {}):
        return None
    return f"{key}: not declared in {(cwd / 'Pulumi.yaml').relative_to(ROOT)}"


def pulumi_problems(words: list[str], cwd: Path) -> list[str]:
    command = next((key for key in sorted(PULUMI, key=len, reverse=True) if tuple(words[: len(key)]) == key), None)
    if command is None:
        return [f"pulumi {' '.join(words)}: not a pulumi command the docs may use (see PULUMI)"]
    rest = words[len(command) :]
    flags = {word.split("=", 1)[0] for word in rest if word.startswith("-")}
    problems = [
        f"pulumi {' '.join(command)}: no flag {flag}" for flag in sorted(flags - PULUMI[command] - PULUMI_GLOBAL)
    ]
    arguments = positional(rest)
    if (pack := option_value(rest, "--policy-pack")) and not (cwd / pack).is_dir():
        problems.append(f"--policy-pack {pack}: no such directory")
    if command == ("config", "set") and (problem := config_key_problem(arguments[0], cwd)):
        problems.append(problem)
    if command == ("package", "add"):
        source = arguments[0]
        if source.startswith("."):
            problems += [] if (cwd / source).is_dir() else [f"package add {source}: no such directory"]
        elif not source.endswith(f"/components@{PACKAGE_VERSION}"):
            problems.append(f"package add {source}: expected .../components@{PACKAGE_VERSION}")
    if command == ("stack", "output") and cwd == ROOT:
        stack = option_value(rest, "-s", "--stack") or "dev"
        problems += [
            f"stack output {name}: not exported by {stack}"
            for name in arguments
            if name not in run_stack(stack).outputs
        ]
    if command == ("policy", "enable") and not arguments[0].endswith("/encrypted-rds-guard"):
        problems.append(f"policy enable {arguments[0]}: the pack is <org>/encrypted-rds-guard")
    return problems


@cache
def module_options(module: str) -> set[str]:
    """The options a module's ``--help`` lists."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"python -m {module} --help: {done.stderr}"
    return set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", done.stdout))


def python_problems(words: list[str], cwd: Path) -> list[str]:
    if "-m" not in words:
        return [f"{' '.join(words)}: only `python -m <module>` commands are checked"]
    module, arguments = words[words.index("-m") + 1], words[words.index("-m") + 2 :]
    spec = importlib.util.find_spec(module)
    if spec is None:
        return [f"python -m {module}: no such module"]
    if module == "venv" or not (spec.origin or "").startswith(str(ROOT)):
        return []
    problems = [
        f"python -m {module}: no option {word}"
        for word in arguments
        if word.startswith("-") and word.split("=")[0] not in module_options(module)
    ]
    if (program := option_value(arguments, "--program")) and not (cwd / program / "Pulumi.yaml").exists():
        problems.append(f"--program {program}: no Pulumi project there")
    return problems


def bash_problems(code: str) -> list[str]:
    cwd, problems = ROOT, []
    for words in commands(code):
        program, arguments = Path(words[0]).name, words[1:]
        if program == "cd":
            cwd = (cwd / arguments[0]).resolve()
            problems += [] if cwd.is_dir() else [f"cd {arguments[0]}: no such directory"]
        elif program == "make":
            done = subprocess.run(["make", "-n", *arguments], cwd=cwd, capture_output=True, text=True, check=False)
            problems += [] if done.returncode == 0 else [f"make {' '.join(arguments)}: {done.stderr.strip()}"]
        elif program in ("python", "python3"):
            problems += python_problems(words, cwd)
        elif program == "pip":
            problems += [
                f"pip -r {f}: no such file" for f in [option_value(words, "-r")] if f and not (cwd / f).exists()
            ]
        elif program == "pulumi":
            problems += pulumi_problems(arguments, cwd)
        elif program == "aws":
            command = tuple(arguments[:2])
            flags = {word for word in arguments[2:] if word.startswith("--")}
            if command not in AWS:
                problems.append(f"aws {' '.join(command)}: not an AWS CLI command the docs may use (see AWS)")
            else:
                problems += [f"aws {' '.join(command)}: no option {flag}" for flag in sorted(flags - AWS[command])]
        elif program in TEXT_COMMANDS:
            continue
        elif program == "npm" and arguments == ["install"]:
            problems += [] if (cwd / "package.json").exists() else [f"npm install: no package.json in {cwd}"]
        else:
            problems.append(f"{' '.join(words)}: no check for this command; add one or mark the block")
    return problems


@pytest.mark.parametrize("block", blocks("bash", "sh", "shell"), ids=ids(blocks("bash", "sh", "shell")))
def test_bash_block_names_only_commands_flags_and_files_that_exist(block):
    problems = bash_problems(block.code)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "code",
    [
        "make previw STACK=prod",
        "python -m offline.preview --stak prod",
        "python -m offline.preview --prog examples/python",
        "python -m offline.previews",
        "pulumi preveiw -s dev",
        "pulumi preview --policy-pak policies",
        "pulumi config set --path 'encrypted-rds:subnetId[0]' subnet-1",
        "pulumi package add github.com/org/encrypted-rds/components@0.0.9",
        "pulumi stack output -s dev masterSecretArn",
        "cd exampels/typescript",
        "aws rds delete-db-instance --db-instance-identifer orders",
        "curl https://example.com/install.sh",
    ],
)
def test_a_stale_command_is_caught(code):
    assert bash_problems(code)


# Output ----------------------------------------------------------------------------------------


def output_blocks() -> list[Block]:
    return [block for block in all_blocks() if block.marker.startswith("output-of ")]


@pytest.mark.parametrize("block", output_blocks(), ids=ids(output_blocks()))
def test_output_block_is_what_its_command_prints(block):
    words = shlex.split(block.marker.removeprefix("output-of "))
    assert words[:3] == ["python", "-m", "offline.preview"], "only offline.preview output is reproduced"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        preview.main(words[3:])
    printed = [line.strip() for line in (out.getvalue() + err.getvalue()).splitlines()]
    missing = []
    for line in filter(None, map(str.strip, block.code.splitlines())):
        pattern = ".*".join(re.escape(part) for part in line.split("(...)"))
        if not any(re.fullmatch(pattern, real) for real in printed):
            missing.append(line)
    assert not missing, "not printed:\n" + "\n".join(missing)
