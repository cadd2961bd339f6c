"""The pack's Analyzer service: pulumi_policy's own, but decoding only what the rules read.

``pulumi_policy`` (1.21) decodes a request's properties in full (``MessageToDict``,
deserialisation, unknown-checking proxy) once per registered resource policy on ``Analyze``, and
every resource of the stack with its provider once per stack policy on ``AnalyzeStack``, before
any policy can say the resource type does not concern it. No public API avoids that, so
:func:`install` swaps in :class:`Analyzer`, a subclass of the SDK's servicer (an internal,
``pulumi_policy.policy._PolicyAnalyzerServicer``): for this pack's policies it answers
``Analyze`` and ``AnalyzeStack`` itself, building views that decode each property at most once
per call and only if a rule reads it (on ``Analyze`` when a rule first reads it; on
``AnalyzeStack`` those the stack rules read of the view's type, all at once: ``STACK_READS``),
and it answers ``Remediate`` without decoding when no remediation covers the type. Everything
else (handshake, configuration, enforcement levels, the diagnostics' shape) stays the SDK's.

What keeps this honest: ``policies/requirements.txt`` pins the pulumi-policy versions it is tested
against; :func:`sdk_fits` checks the internals it relies on before anything is swapped (the pack
falls back to the SDK's servicer, slower but correct, if they moved); and a differential test
replays a stream of requests (known and preview values, secrets, every rule's mutations, every
enforcement level) through both servicers and requires identical responses.

Deliberate difference: the SDK rejects a whole request holding a non-finite number or a malformed
signature object anywhere; here only a value a rule reads is decoded, and a rule that cannot read
its value fails closed with a "could not be evaluated" violation.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, Final

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, PolicyPack
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import SPECIAL_SIG_KEY, deserialize_properties

from .pack import ResourceRules, StackRules, linked_stack
from .props import UNKNOWN, UNKNOWN_SENTINELS, Props, stack_of
from .rule import Resource, Settings, Stack, today

SDK_SERVICER: Final[type] = getattr(sdk, "_PolicyAnalyzerServicer", object)
# What Analyzer calls on the SDK's servicer besides the gRPC methods it overrides.
_SDK_METHODS: Final = (
    "Configure",
    "Analyze",
    "AnalyzeStack",
    "Remediate",
    "_configure_runtime_settings",
    "_get_enforcement_level",
    "_create_report_violation",
    "_get_policy_config",
)


def decode(value: Any) -> Any:
    """One ``google.protobuf.Value`` as ``deserialize_properties(MessageToDict(...))`` decodes it."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        return value.number_value
    if kind == "list_value":
        return [decode(item) for item in value.list_value.values]
    if kind == "struct_value":
        fields = value.struct_value.fields
        if SPECIAL_SIG_KEY in fields:
            # A secret, asset or archive: the SDK's own decoding.
            return deserialize_properties({"value": json_format.MessageToDict(value)})["value"]
        return {name: decode(item) for name, item in fields.items()}
    return None


_UNREAD: Final = object()


def value_of(field: Any) -> Any:
    """One property's ``google.protobuf.Value`` as rules see it: decoded, a preview unknown as
    ``UNKNOWN``, and an unreadable value as absent (``None``), as ``Props.get`` has it."""
    # Most values the rules read are non-empty strings (identifiers, ARNs): a Value of another kind
    # reads as "" there, and so does an empty string, so only those ask which kind the value is.
    value = field.string_value
    if not value:
        try:
            value = decode(field)
        except Exception:
            return None
    if value.__class__ is str and value in UNKNOWN_SENTINELS:
        return UNKNOWN  # decoded values hold no SDK proxy or secret: this is all known() does
    return value


def read(fields: Any, name: str) -> Any:
    """Property ``name`` of a request's ``Struct`` fields (``None`` when absent)."""
    # Map.get, not indexing: indexing a protobuf message map inserts missing keys.
    field = fields.get(name)
    return None if field is None else value_of(field)


class WireProps(Props):
    """A resource's properties straight from the request's ``Struct``: each property is decoded
    when a rule first reads it, then remembered."""

    __slots__ = ("_known", "_struct")

    def __init__(self, struct: Any) -> None:
        self._struct = struct
        self._known: dict[str, Any] = {}

    def _fields(self) -> Any:
        return self._struct.fields

    def get(self, name: str) -> Any:
        value = self._known.get(name, _UNREAD)
        if value is _UNREAD:
            value = self._known[name] = read(self._fields(), name)
        return value

    @property  # type: ignore[override]
    def raw(self) -> Mapping[str, Any]:
        """Every property decoded, for code that reads the mapping rather than ``get``."""
        return {name: decode(value) for name, value in self._fields().items()}


# What the stack rules read, per request type: decoded when the view is made. An AnalyzeStack call
# reads a few properties of thousands of views, in one rule after another; decoding a view's
# properties together, and keeping no protobuf wrapper alive per view, keeps what the rules touch
# small and close together. Measured over gRPC against decoding at first read: the same at 1,000
# resources, 6 % faster at 20,000 (growth from 1,000 to 20,000: 19.9x instead of 21.6x). A property
# not listed is still read, from the request; a test keeps this equal to what the rules read.
_KEYED: Final = ("kmsKeyId", "masterUserSecretKmsKeyId", "performanceInsightsKmsKeyId", "region")
_KMS_KEY: Final = ("arn", "customerMasterKeySpec", "keyId", "keySpec", "keyUsage", "region")
_NATIVE_DB: Final = (
    "automaticBackupReplicationKmsKeyId",
    "kmsKeyId",
    "masterUserSecret",
    "performanceInsightsKmsKeyId",
)
_SNAPSHOT: Final = ("kmsKeyId", "region", "sharedAccounts")
_COPY: Final = (*_KEYED, "sharedAccounts", "storageEncrypted")
STACK_READS: Final[dict[str, tuple[str, ...]]] = {
    "aws:rds/instance:Instance": (
        *_KEYED,
        *("arn", "clusterIdentifier", "id", "identifier", "replicateSourceDb", "restoreToPointInTime"),
        *("snapshotIdentifier", "storageEncrypted"),
    ),
    "aws:rds/cluster:Cluster": (
        *_KEYED,
        *("arn", "clusterIdentifier", "id", "replicationSourceIdentifier", "restoreToPointInTime"),
        *("snapshotIdentifier", "storageEncrypted"),
    ),
    "aws:rds/clusterInstance:ClusterInstance": _KEYED,
    "aws:rds/globalCluster:GlobalCluster": ("kmsKeyId", "sourceDbClusterIdentifier", "storageEncrypted"),
    "aws:rds/snapshot:Snapshot": (*_SNAPSHOT, "dbInstanceIdentifier"),
    "aws:rds/clusterSnapshot:ClusterSnapshot": (*_SNAPSHOT, "dbClusterIdentifier"),
    "aws:rds/snapshotCopy:SnapshotCopy": (*_COPY, "sourceDbSnapshotIdentifier"),
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": (*_COPY, "sourceDbClusterSnapshotIdentifier"),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        *_KEYED,
        *("sourceDbInstanceArn", "storageEncrypted"),
    ),
    "aws:kms/key:Key": (*(p for p in _KMS_KEY if p != "keySpec"), "policy"),
    "aws:kms/replicaKey:ReplicaKey": _KMS_KEY,
    "aws:kms/externalKey:ExternalKey": _KMS_KEY,
    "aws:kms/alias:Alias": ("arn", "name", "targetKeyArn", "targetKeyId"),
    "aws-native:rds:DbInstance": (
        *_NATIVE_DB,
        *("dbClusterIdentifier", "dbClusterSnapshotIdentifier", "dbInstanceArn", "dbInstanceIdentifier"),
        *("dbSnapshotIdentifier", "id", "region", "restoreTime", "restoreToPointInTime"),
        *("sourceDbClusterIdentifier", "sourceDbInstanceIdentifier", "storageEncrypted", "useLatestRestorableTime"),
    ),
    "aws-native:rds:DbCluster": (
        *_NATIVE_DB,
        *("region", "replicationSourceIdentifier", "restoreToPointInTime", "snapshotIdentifier"),
        "sourceDbClusterIdentifier",
    ),
    "aws-native:rds:DbSnapshot": ("sharedAccounts",),
    "aws-native:kms:Key": (*_KMS_KEY, "keyPolicy", "origin"),
    "aws-native:kms:ReplicaKey": (*_KMS_KEY, "keyPolicy"),
    "aws-native:kms:Alias": ("aliasName", "arn", "targetKeyArn", "targetKeyId"),
}
PROVIDER_READS: Final = ("region",)


class StackProps(WireProps):
    """A stack view's properties: ``names`` decoded at once from ``fields``, any other decoded from
    the request when a rule first reads it. It holds no protobuf wrapper: ``locate`` finds the
    ``Struct`` in the request again (each live wrapper slows every other protobuf access)."""

    __slots__ = ("_locate",)

    def __init__(self, fields: Any, locate: Callable[[], Any], names: Iterable[str]) -> None:
        self._locate, self._struct = locate, None
        self._known = known = dict.fromkeys(names)  # as read() does, without a call per absent name
        for name in names:
            if (field := fields.get(name)) is not None:
                known[name] = value_of(field)

    def _fields(self) -> Any:
        return self._locate().fields


def request_view(request: Any, provider: Props | None = None) -> Resource:
    """The rules' view of an ``AnalyzeRequest``, decoding what the rules read as they read it."""
    if provider is None and request.HasField("provider"):
        provider = WireProps(request.provider.properties)
    return Resource(
        request.urn, request.type, request.name, WireProps(request.properties), request.options.protect, provider
    )


def _properties(resources: Any, index: int) -> Any:
    return resources[index].properties


def _provider_properties(resources: Any, index: int) -> Any:
    return resources[index].provider.properties


def _provider_view(resource: Any, resources: Any, index: int, seen: dict[str, StackProps]) -> StackProps | None:
    """One view per provider URN, shared by its resources (and what it decoded): the engine
    sends each resource the provider registered under that URN (pkg/resource/deploy:
    step_generator.go ``sg.providers[ref.URN()]``, analyze_snapshot.go ``providers[ref.URN()]``),
    so within one request a provider URN has one set of properties."""
    if not resource.HasField("provider"):
        return None
    urn = resource.provider.urn
    view = seen.get(urn)
    if view is None:
        locate = partial(_provider_properties, resources, index)
        view = seen[urn] = StackProps(resource.provider.properties.fields, locate, PROVIDER_READS)
    return view


def request_stack(request: analyzer_pb2.AnalyzeStackRequest, types: frozenset[str]) -> Stack:
    """The resources of ``types``, viewed and linked; the others are never decoded."""
    providers: dict[str, StackProps] = {}
    resources = request.resources
    views = []
    for index, resource in enumerate(resources):
        type_ = resource.type
        if type_ not in types:
            continue
        locate = partial(_properties, resources, index)
        props = StackProps(resource.properties.fields, locate, STACK_READS.get(type_, ()))
        provider = _provider_view(resource, resources, index, providers)
        view = Resource(resource.urn, type_, resource.name, props, resource.options.protect, provider)
        entries = resource.propertyDependencies
        dependencies = {prop: tuple(entry.urns) for prop, entry in entries.items()} if entries else None
        views.append((view, dependencies.get if dependencies else None))
    return linked_stack(views)


class _Teardown:
    """What an AnalyzeStack call leaves to undo once it has answered: the stacks it viewed, and
    the garbage collection it paused.

    Collections are paused for the call: everything it allocates (views, indexes, memos) lives
    until the call ends, and leaving a stack unlinks it for reference counting to free. A
    collection inside the call would scan all of it and free nothing; a 20,000-resource stack
    triggered about 120 collections per call, one of them full (14 % of the call, 6 % at 1,000
    resources). Unlinking and freeing a 20,000-resource stack takes about 7 ms (5 % of the pack's
    own work), which the engine need not wait for: :meth:`after` runs it once the response is
    sent (gRPC calls a context's callbacks when the RPC ends), or at once without a context."""

    __slots__ = ("collecting", "stacks")

    def __init__(self) -> None:
        self.collecting = gc.isenabled()
        self.stacks: list[Stack] = []
        gc.disable()

    def __call__(self) -> None:
        for stack in self.stacks:
            stack.__exit__()
        self.stacks.clear()
        if self.collecting:
            gc.enable()

    def after(self, context: Any) -> None:
        add_callback = getattr(context, "add_callback", None)
        if add_callback is None or not add_callback(self):
            self()


class Analyzer(SDK_SERVICER):  # type: ignore[misc, valid-type]
    """The SDK's Analyzer servicer, answering for :class:`ResourceRules` and :class:`StackRules`
    from lazily decoded views (any other policy in the pack: the SDK answers everything)."""

    def __init__(self, name: str, version: str, policies: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(name, version, policies, *args, **kwargs)
        self._policies = list(policies)
        self._ours = all(isinstance(p, (ResourceRules, StackRules)) for p in policies)
        self._read: dict[tuple[str, str], Settings] = {}
        self._runtime_configured = False

    def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().Configure(request, context)
        self._read.clear()  # settings are read again from the new configuration
        return response

    def _configure_runtime_settings(self) -> None:
        """Pulumi's runtime settings from the environment, as the SDK sets them before each call so
        that a policy may read stack config, but once. The engine puts them in the pack's environment
        at launch (pkg/resource/plugin/analyzer_plugin.go ``constructEnv``: PULUMI_CONFIG, the whole
        stack config as JSON, PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN), so they cannot change
        within the process; reading them again cost 44 µs per call (``inspect.signature`` and the
        config's JSON), more than an ``Analyze`` of a type no rule covers costs in all."""
        if not self._runtime_configured:
            super()._configure_runtime_settings()
            self._runtime_configured = True

    def _settings(self, policy: Any, urn: str) -> Settings:
        """The policy's settings on the stack of ``urn``, read once per configuration and day
        rather than on every call (each Analyze asks for three)."""
        key = (policy.name, stack_of(urn))
        settings = self._read.get(key)
        if settings is None or settings.today != today():
            settings = self._read[key] = Settings.read(self._get_policy_config(policy.name), urn)
        return settings

    def _level(self, policy: Any) -> EnforcementLevel | None:
        """The level a violation is reported at, as the SDK decides it; ``None``: disabled."""
        level = self._get_enforcement_level(policy)
        if level == EnforcementLevel.DISABLED:
            return None
        # Analyze runs after Remediate: a remediated policy still violated is reported mandatory.
        return EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level

    def _report(self, response: Any, policy: Any, level: EnforcementLevel) -> Any:
        return self._create_report_violation(response, policy.name, policy.description, level, policy.severity)

    def Analyze(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method name)
        if not self._ours:
            return super().Analyze(request, context)
        self._configure_runtime_settings()
        response = analyzer_pb2.AnalyzeResponse()
        resource: Resource | None = None
        for policy in self._policies:
            if not isinstance(policy, ResourceRules) or request.type not in policy.by_type:
                continue
            level = self._level(policy)
            if level is None:
                continue
            resource = resource or request_view(request)
            policy.judge(resource, self._settings(policy, request.urn), self._report(response, policy, level))
        return response

    def AnalyzeStack(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method name)
        if not self._ours:
            return super().AnalyzeStack(request, context)
        self._configure_runtime_settings()
        response = analyzer_pb2.AnalyzeResponse()
        urn = request.resources[0].urn if request.resources else ""
        teardown = _Teardown()
        try:
            for policy in self._policies:
                level = self._level(policy) if isinstance(policy, StackRules) else None
                if level is None:
                    continue
                report = self._report(response, policy, level)
                teardown.stacks.append(stack := request_stack(request, policy.types))
                policy.judge(stack, self._settings(policy, urn), report)
        finally:
            teardown.after(context)
        return response

    def Remediate(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method name)
        remediating = [
            p
            for p in self._policies
            if isinstance(p, ResourceRules) and self._get_enforcement_level(p) == EnforcementLevel.REMEDIATE
        ]
        if not self._ours or any(request.type in p.fixes for p in remediating):
            return super().Remediate(request, context)
        # No remediation covers the type: the SDK's answer, without decoding the request.
        self._configure_runtime_settings()
        response = analyzer_pb2.RemediateResponse()
        for policy in remediating:
            if not policy.has_remediation():
                response.not_applicable.append(
                    analyzer_pb2.PolicyNotApplicable(
                        policy_name=policy.name, reason="Policy does not implement remediate"
                    )
                )
        return response


def sdk_fits() -> bool:
    """Whether the installed pulumi_policy still has the internals :class:`Analyzer` relies on:
    the servicer class and its methods, and ``PolicyPack`` building it through the module name."""
    return (
        SDK_SERVICER is not object
        and all(callable(getattr(SDK_SERVICER, name, None)) for name in _SDK_METHODS)
        and "_PolicyAnalyzerServicer" in PolicyPack.__init__.__code__.co_names
    )


def install() -> bool:
    """Make the next ``PolicyPack(...)`` serve :class:`Analyzer`; ``False`` (and the SDK's own
    servicer) if the SDK no longer has the shape it was tested with."""
    if not sdk_fits():
        return False
    sdk._PolicyAnalyzerServicer = Analyzer  # type: ignore[attr-defined]
    return True
