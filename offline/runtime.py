"""Run the real program for a stack under Pulumi's mock runtime and record what it registers.

This is what tests, the offline preview and the benchmarks share: no Pulumi CLI and no AWS
account are needed. The stack's configuration is assembled the way the CLI does it (Pulumi.yaml
defaults, then Pulumi.<stack>.yaml), every RegisterResource request is recorded with its options,
and AWS-computed values are deterministic placeholders. Any Pulumi Python program directory can be
run this way (``run_stack(stack, directory=...)``): its own project name, stack files and entry point.
"""

import argparse
import asyncio
import contextlib
import json
import runpy
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
#: The only data sources the program may call; everything else comes from config.
ALLOWED_INVOKES = frozenset(
    {
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getRegion:getRegion",
        "aws:index/getPartition:getPartition",
    }
)
#: Inputs a provider sends only when their ``*Version`` input changes and never returns as outputs.
WRITE_ONLY_INPUTS = frozenset({"passwordWo", "masterPasswordWo", "secretStringWo"})
_DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306, "oracle": 1521, "sqlserver": 1433}


@dataclass
class RecordedResource:
    """One RegisterResource request, with the options the engine would see."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class StackRun:
    stack: str
    config: dict[str, str]
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    invokes: list[str]
    project: str

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> RecordedResource:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, found {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> RecordedResource:
        return next(r for r in self.resources if r.name == name)

    def by_urn(self, urn: str) -> RecordedResource:
        return next(r for r in self.resources if r.urn == urn)


def _engine_port(engine: str) -> int:
    for family, port in _DEFAULT_PORTS.items():
        if engine.removeprefix("aurora-").startswith(family):
            return port
    return 5432


class AwsMocks(Mocks):
    """Answers the three allowed data sources and gives resources AWS-like computed values.

    A ``pulumi.StackReference`` reads the outputs given for its stack in ``stack_references``
    (``"org/project/stack"`` -> outputs): another stack's state cannot be read offline.
    """

    def __init__(self, region: str, stack_references: Mapping[str, dict[str, Any]] | None = None) -> None:
        self.region = region
        self.stack_references = dict(stack_references or {})
        self.invokes: list[str] = []
        # Databases by identifier and by ARN, and global database primaries by global cluster id:
        # what AWS reports for a replica or a global secondary comes from them.
        self._databases: dict[str, dict[str, Any]] = {}
        self._global_primaries: dict[str, dict[str, Any]] = {}

    def call(self, args: MockCallArgs):
        self.invokes.append(args.token)
        if args.token not in ALLOWED_INVOKES:
            raise NotImplementedError(f"the program may call only {sorted(ALLOWED_INVOKES)}; it called {args.token}")
        if args.token.endswith("getCallerIdentity"):
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/offline-preview",
                "userId": "AIDAOFFLINEPREVIEW",
                "id": ACCOUNT_ID,
            }
        if args.token.endswith("getRegion"):
            region = args.args.get("region") or self.region
            return {"region": region, "name": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
        return {
            "partition": PARTITION,
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
            "id": PARTITION,
        }

    def new_resource(self, args: MockResourceArgs):
        inputs = args.inputs
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {
                "name": inputs["name"],
                "outputs": self._referenced(inputs["name"]),
                "secretOutputNames": [],
            }
        region = inputs.get("region") or self.region
        placeholder = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{args.typ}/{args.name}"))
        # Providers never read write-only inputs back.
        outputs = {key: value for key, value in inputs.items() if key not in WRITE_ONLY_INPUTS}
        resource_id = args.name
        if args.typ == "aws:kms/key:Key":
            resource_id = f"mrk-{uuid.UUID(placeholder).hex}" if inputs.get("multiRegion") else placeholder
            outputs |= {"keyId": resource_id, "arn": f"arn:{PARTITION}:kms:{region}:{ACCOUNT_ID}:key/{resource_id}"}
        elif args.typ == "aws:kms/replicaKey:ReplicaKey":
            # A replica key keeps the primary's id; its ARN names the replica's region.
            resource_id = str(inputs["primaryKeyArn"]).rsplit("/", 1)[-1]
            outputs |= {"keyId": resource_id, "arn": f"arn:{PARTITION}:kms:{region}:{ACCOUNT_ID}:key/{resource_id}"}
        elif args.typ == "aws:rds/globalCluster:GlobalCluster":
            resource_id = inputs.get("globalClusterIdentifier") or args.name
            outputs["arn"] = f"arn:{PARTITION}:rds::{ACCOUNT_ID}:global-cluster:{resource_id}"
        elif args.typ == "aws:kms/alias:Alias":
            resource_id = args.resource_id or inputs.get("name", args.name)
            outputs["arn"] = f"arn:{PARTITION}:kms:{region}:{ACCOUNT_ID}:{resource_id}"
            if args.resource_id:  # Alias.get: AWS reports the name and the key the alias targets
                key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{region}/{resource_id}"))
                key_arn = f"arn:{PARTITION}:kms:{region}:{ACCOUNT_ID}:key/{key_id}"
                outputs |= {"name": resource_id, "targetKeyId": key_id, "targetKeyArn": key_arn}
        elif args.typ == "aws:rds/subnetGroup:SubnetGroup":
            resource_id = inputs.get("name") or f"{args.name}-{placeholder[:7]}"
            outputs["name"] = resource_id
        elif args.typ in ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster"):
            resource_id = inputs.get("identifier") or inputs.get("clusterIdentifier") or args.name
            kind = "db" if args.typ.endswith("Instance") else "cluster"
            address = f"{resource_id}.{'cluster-' if kind == 'cluster' else ''}c0ffee000000.{region}.rds.amazonaws.com"
            port = int(inputs.get("port") or _engine_port(str(inputs.get("engine", ""))))
            outputs |= {
                "arn": f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:{kind}:{resource_id}",
                "address": address,
                "endpoint": address if kind == "cluster" else f"{address}:{port}",
                "readerEndpoint": address.replace("cluster-", "cluster-ro-"),
                "port": port,
            }
            self._read_back_inherited(args.typ, inputs, outputs)
            self._databases[resource_id] = self._databases[outputs["arn"]] = outputs
            if inputs.get("manageMasterUserPassword"):
                outputs["masterUserSecrets"] = [
                    {
                        "secretArn": f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!{kind}-{placeholder}-Ab1Cd2",
                        "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                        "secretStatus": "active",
                    }
                ]
        elif args.typ == "aws:rds/clusterInstance:ClusterInstance":
            resource_id = inputs.get("identifier") or args.name
        elif args.typ in ("aws:rds/snapshot:Snapshot", "aws:rds/snapshotCopy:SnapshotCopy"):
            # A manual DB snapshot or copy: its id is its identifier; a copy made with a key is
            # encrypted under it, and a copy lands in its own region whatever its source.
            resource_id = inputs.get("dbSnapshotIdentifier") or inputs.get("targetDbSnapshotIdentifier") or args.name
            outputs |= {
                "dbSnapshotArn": f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:snapshot:{resource_id}",
                "snapshotType": "manual",
                "region": region,
            }
            if args.typ.endswith("SnapshotCopy"):
                source = str(inputs.get("sourceDbSnapshotIdentifier", ""))
                outputs |= {
                    "encrypted": bool(inputs.get("kmsKeyId")),
                    "sourceRegion": source.split(":")[3] if source.startswith("arn:") else region,
                }
        elif args.typ == "random:index/randomPassword:RandomPassword":
            # Deterministic for the same name and keepers, as the real one is stable in state.
            seed = uuid.uuid5(uuid.NAMESPACE_URL, f"{args.name}/{json.dumps(inputs.get('keepers'), sort_keys=True)}")
            outputs["result"] = f"Pw{seed.hex}"[: int(inputs.get("length", 30))]
            resource_id = "none"
        elif args.typ == "aws:cfg/rule:Rule":
            resource_id = inputs.get("name") or args.name
            rule_id = f"config-rule-{placeholder[:6]}"
            outputs |= {"ruleId": rule_id, "arn": f"arn:{PARTITION}:config:{region}:{ACCOUNT_ID}:config-rule/{rule_id}"}
        outputs.setdefault(
            "arn", f"arn:{PARTITION}:{args.typ.split(':')[1].split('/')[0]}:{region}:{ACCOUNT_ID}:{resource_id}"
        )
        return resource_id, outputs

    def _read_back_inherited(self, typ: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        """What AWS reports, and the provider reads back, that the program does not send.

        A read replica inherits its source's key (same region), encryption, engine, version and
        master user; a global database's secondary reports the primary as its replication source.
        """
        if typ == "aws:rds/instance:Instance":
            source = self._databases.get(str(inputs.get("replicateSourceDb") or ""))
            for prop in ("kmsKeyId", "storageEncrypted", "engine", "engineVersion", "username"):
                if source is not None and prop in source:
                    outputs.setdefault(prop, source[prop])
            return
        global_id = inputs.get("globalClusterIdentifier")
        if not global_id:
            return
        if inputs.get("masterUsername"):
            self._global_primaries[global_id] = outputs
        elif global_id in self._global_primaries:
            primary = self._global_primaries[global_id]
            outputs["replicationSourceIdentifier"] = primary["arn"]
            for prop in ("masterUsername", "databaseName"):
                if prop in primary:
                    outputs.setdefault(prop, primary[prop])

    def _referenced(self, stack: str) -> dict[str, Any]:
        if stack not in self.stack_references:
            raise ValueError(
                f"StackReference '{stack}': another stack's outputs cannot be read offline "
                f"(outputs given to this run: {', '.join(sorted(self.stack_references)) or 'none'})"
            )
        return self.stack_references[stack]


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps every RegisterResource request, options included, and every
    resource the program reads (``Resource.get``), as the engine keeps both in the stack."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.records: list[RecordedResource] = []

    def _keep(self, request, urn: str, **options: Any) -> None:
        state = self.resources.get(urn)
        self.records.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                provider=request.provider,
                dependencies=list(request.dependencies),
                id=state.id if state else "",
                outputs=dict(state.state) if state else {},
                **options,
            )
        )

    def ReadResource(self, request):  # noqa: N802 (the gRPC method name)
        response = super().ReadResource(request)
        self._keep(
            request,
            response.urn,
            custom=True,
            inputs={},
            property_dependencies={},
            protect=False,
            retain_on_delete=False,
        )
        return response

    def RegisterResource(self, request):  # noqa: N802 (the gRPC method name)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        self._keep(
            request,
            response.urn,
            custom=request.custom,
            inputs=rpc.deserialize_properties(request.object) if request.HasField("object") else {},
            property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items()},
            protect=request.protect if request.HasField("protect") else False,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else False,
            ignore_changes=list(request.ignoreChanges),
            delete_before_replace=request.deleteBeforeReplace,
        )
        return response


def _as_config_string(value: Any) -> str:
    """How the CLI hands config to a program: strings, with booleans lower-case and arrays as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


#: What a program sees for a ``secure:`` stack value: the offline preview holds no key to decrypt it.
ENCRYPTED_PLACEHOLDER = "[secret: not decrypted offline]"


def _load_yaml(path: Path) -> Any:
    # libyaml's parser when PyYAML has it: about 8x faster, and every run reads these files.
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def project_file(directory: Path = ROOT) -> dict[str, Any]:
    return _load_yaml(directory / "Pulumi.yaml")


def stack_file(stack: str, directory: Path = ROOT) -> Path:
    """Where the CLI looks for a stack's settings: ``stackConfigDir`` of Pulumi.yaml, else beside it."""
    return directory / (project_file(directory).get("stackConfigDir") or ".") / f"Pulumi.{stack}.yaml"


def _project_values(project: dict[str, Any]) -> dict[str, Any]:
    """Pulumi.yaml's config block as values: a declaration's ``default`` (project keys) or ``value``
    (other namespaces), or the bare value of the short form
    (https://www.pulumi.com/docs/iac/concepts/projects/project-file/)."""
    values: dict[str, Any] = {}
    for key, declaration in (project.get("config") or {}).items():
        full_key = key if ":" in key else f"{project['name']}:{key}"
        if not isinstance(declaration, dict):
            values[full_key] = declaration
        elif "default" in declaration or "value" in declaration:
            values[full_key] = declaration.get("default", declaration.get("value"))
    return values


def stack_config(stack: str, overrides: dict[str, Any] | None = None, directory: Path = ROOT) -> dict[str, str]:
    """Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then overrides (None removes a key)."""
    values = _project_values(project_file(directory))
    path = stack_file(stack, directory)
    if path.exists():
        values |= (_load_yaml(path) or {}).get("config") or {}
    for key, value in (overrides or {}).items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return {
        key: ENCRYPTED_PLACEHOLDER if isinstance(value, dict) and set(value) == {"secure"} else _as_config_string(value)
        for key, value in values.items()
    }


def run_stack(
    stack: str, overrides: dict[str, Any] | None = None, *, preview: bool = False, directory: Path = ROOT
) -> StackRun:
    """Run a program directory for a stack, as the CLI would: its project name, its configuration, its
    ``main`` (default: the directory's ``__main__.py``) with its own directory first on the import path,
    and the project directory as the working directory."""
    directory = directory.resolve()
    project = project_file(directory)
    entry = directory / project.get("main", "")
    config = stack_config(stack, overrides, directory)

    def program() -> None:
        with contextlib.chdir(directory):
            runpy.run_path(str(entry), run_name="__main__")

    return run_program(program, stack, config, preview=preview, project=project["name"])


def run_program(
    program: Callable[[], Any],
    stack: str,
    config: dict[str, str],
    *,
    preview: bool = False,
    project: str = "",
    stack_references: Mapping[str, dict[str, Any]] | None = None,
) -> StackRun:
    """Run a Pulumi program in a fresh thread, event loop and Pulumi context, under the mocks, as
    ``project`` (default: this repository's project); ``stack_references`` are the outputs of the
    stacks it reads with ``pulumi.StackReference``.

    When the program fails (for example on invalid configuration), raises ``ProgramError`` after
    every RPC has finished, with the resources registered until then.
    """
    result: dict[str, Any] = {}
    project = project or project_file()["name"]

    def target() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        pulumi.runtime.set_all_config(config)
        mocks = AwsMocks(config.get("aws:region", "us-east-1"), stack_references)
        monitor = RecordingMonitor(mocks)
        result["monitor"], result["mocks"] = monitor, mocks
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
        exports: dict[str, Any] = {}

        def run_and_collect_exports():
            program()
            stack_outputs = pulumi.runtime.settings.get_root_resource().outputs
            return pulumi.Output.all(**stack_outputs).apply(exports.update)

        try:
            pulumi.runtime.mocks.test(run_and_collect_exports)()
        except BaseException as error:
            result["error"] = error
        result["exports"] = exports
        # The SDK's RPCs run on the loop's default executor, whose threads make loops of their own:
        # ending them here closes those loops now rather than noisily at interpreter exit.
        loop = asyncio.get_event_loop()
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    thread = threading.Thread(target=target, name=f"pulumi-{stack}")
    thread.start()
    thread.join()
    run = StackRun(
        stack=stack,
        config=config,
        resources=result["monitor"].records,
        outputs=result.get("exports", {}),
        invokes=result["mocks"].invokes,
        project=project,
    )
    if "error" in result:
        raise ProgramError(run, result["error"]) from result["error"]
    return run


class ProgramError(Exception):
    """The program failed; ``run`` holds what it had registered by then (nothing, for bad config)."""

    def __init__(self, run: StackRun, error: BaseException) -> None:
        super().__init__(str(error))
        self.run = run
        self.error = error


def stack_command(description: str) -> argparse.ArgumentParser:
    """A parser for an offline command that runs one stack of this project (``--stack``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to use (default: dev)")
    return parser


def _program_frame(frame: traceback.FrameSummary) -> bool:
    """A frame of the program (or the code it imports), not of Python, the SDKs or this harness."""
    path = Path(frame.filename)
    return path.is_file() and not any(
        path.is_relative_to(outside) for outside in (sys.prefix, sys.base_prefix, Path(__file__).parent)
    )


def describe_failure(error: BaseException) -> str:
    """What the CLI shows for a failed program: a RunError's message alone (the program's own
    diagnosis, such as invalid configuration), any other error with the program's own frames."""
    if isinstance(error, pulumi.RunError):
        return str(error)
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _program_frame(frame)]
    lines = ["Traceback (most recent call last, the program's frames):\n", *traceback.format_list(frames)]
    return "".join(lines + traceback.format_exception_only(error)).rstrip()


def run_stack_for(command: str, stack: str, runner: Callable[[str], StackRun] = run_stack) -> StackRun | None:
    """``runner(stack)`` for a command line: when the program fails, say why on stderr and return None."""
    try:
        return runner(stack)
    except ProgramError as failure:
        print(f"{command} of stack '{stack}' failed:\n{describe_failure(failure.error)}", file=sys.stderr)
        return None
