"""The pack's Analyzer answers exactly what pulumi_policy's own servicer answers.

The pack serves ``rdsguard.analyzer.Analyzer``, which decodes only the properties rules read and
looks resources up through indexes. The reference is the straightforward path: the SDK's servicer,
decoding every request in full, with the stack lookups done as linear scans. Both get the same
stream of requests, the way the engine sends them (Configure, ConfigureStack, then per resource
Remediate and Analyze, then AnalyzeStack), and every response must be identical: realistic
stacks, every rule's mutations, known and preview values, secrets, random stacks, and
configurations covering every enforcement level, exemptions and approved keys.
"""

from __future__ import annotations

import copy
import gc
import importlib
from datetime import date
from typing import Any

import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from legitimate_stacks import KINDS, legitimate_stack
from pulumi_policy import EnforcementLevel
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties
from reference import linear_lookups
from sdk_args import rdsguard
from stack_fixtures import MUTATIONS, REMEDIATIONS, SHARED_ACCOUNT, as_preview, find, full_stack, mutated
from test_policy_fuzz import WIRE_VALUES, stacks

from benchmarks.stacks import approved_aliases, realistic_stack
from offline.policy_gate import PolicyPackProcess

analyzer = importlib.import_module("rdsguard.analyzer")
PLACEMENT, AT_REST, HYGIENE, LIFECYCLE = (
    "rds-key-placement",
    "rds-encryption-at-rest",
    "rds-encryption-hygiene",
    "kms-key-lifecycle",
)


SERVICER_ARGS = ("encrypted-rds-guard", "1.0.0", rdsguard.build_policies(), EnforcementLevel.MANDATORY)


# --- the reference: the SDK's servicer, with the lookups the indexes replaced --------------------


class BothServicers:
    """A stub for ``PolicyPackProcess`` that sends each call to the SDK's servicer (reference) and
    to the pack's Analyzer, and fails unless their responses are identical."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reference, self.fast = analyzer.SDK_SERVICER(*SERVICER_ARGS), analyzer.Analyzer(*SERVICER_ARGS)
        self.monkeypatch = monkeypatch
        self.verdicts = 0  # violations and remediations: the stream is not all silence

    def __getattr__(self, method: str):
        def call(request: Any) -> Any:
            with linear_lookups(self.monkeypatch):
                expected = getattr(self.reference, method)(request, None)
            actual = getattr(self.fast, method)(request, None)
            assert json_format.MessageToDict(actual) == json_format.MessageToDict(expected), method
            assert actual == expected, method  # and field for field, ordering included
            self.verdicts += len(getattr(expected, "diagnostics", ())) + len(getattr(expected, "remediations", ()))
            return expected

        return call


def in_process(stub: Any) -> PolicyPackProcess:
    """``PolicyPackProcess`` driven in this process through ``stub`` instead of a gRPC channel."""
    gate = PolicyPackProcess()
    gate.stub = stub
    gate.info = gate.stub.GetAnalyzerInfo(empty_pb2.Empty())
    return gate


@pytest.fixture
def both(monkeypatch):
    """``PolicyPackProcess`` driven in-process through :class:`BothServicers`."""
    return in_process(BothServicers(monkeypatch))


def replay(gate: PolicyPackProcess, resources: list[dict], stack: str, config: dict | None = None) -> None:
    gate.configure(config or {})
    for form in (resources, as_preview(resources)):
        gate.analyze_stack(form, stack=stack)


# --- the stream -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_realistic_stack_gets_the_same_answers(both, stack):
    resources = realistic_stack(240, stack)
    replay(both, resources, stack, {PLACEMENT: {"approvedKmsKeys": approved_aliases(240)}})
    replay(both, resources, stack, {PLACEMENT: {"approvedKmsKeys": ["alias/central-rds"]}})
    assert both.stub.verdicts > 0


MUTATION_CASES = [
    pytest.param(mutation, id=f"{rule}: {label}")
    for rule, (_level, mutations) in MUTATIONS.items()
    for label, mutation in mutations.items()
] + [pytest.param(mutation, id=f"{rule}: remediated") for rule, (mutation, _p, _v) in REMEDIATIONS.items()]


@pytest.mark.parametrize("mutation", MUTATION_CASES)
def test_every_rule_mutation_gets_the_same_answers(both, mutation):
    replay(both, mutated("", mutation), "prod")
    assert both.stub.verdicts > 0


CONFIGS = {
    "levels turned around": {
        AT_REST: {"enforcementLevel": "advisory"},
        HYGIENE: {"enforcementLevel": "remediate"},
        LIFECYCLE: {"enforcementLevel": "mandatory"},
        PLACEMENT: {"enforcementLevel": "remediate"},
    },
    "all disabled": {name: {"enforcementLevel": "disabled"} for name in (AT_REST, HYGIENE, LIFECYCLE, PLACEMENT)},
    "exemptions": {
        AT_REST: {"exemptions": [{"resource": "database-instance", "reason": "migrating"}]},
        PLACEMENT: {
            "exemptions": [
                {"resource": "database-replica-eu", "rules": ["rds-cross-region-replica-key"], "reason": "x"}
            ]
        },
    },
    "production pattern and windows": {
        HYGIENE: {"productionStackPattern": "^dev$"},
        LIFECYCLE: {"productionStackPattern": "^dev$", "productionMinimumDeletionWindowInDays": 30},
    },
    "approved keys by alias and ARN": {PLACEMENT: {"approvedKmsKeys": ["alias/encrypted-rds-dev", "arn:x"]}},
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("config", list(CONFIGS))
def test_every_configuration_gets_the_same_answers(both, stack, config):
    resources = full_stack(stack)
    find(resources, "rds-key")["inputs"]["deletionWindowInDays"] = 7.0
    find(resources, "database-replica-eu")["inputs"].pop("kmsKeyId")
    replay(both, resources, stack, CONFIGS[config])


def secret(value: Any) -> dict[str, Any]:
    return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": value}


def test_secret_values_get_the_same_answers(both):
    resources = full_stack("prod")
    instance = find(resources, "database-instance")
    instance["inputs"] |= {"password": secret("hunter2hunter2"), "kmsKeyId": secret("alias/aws/rds")}
    copy_ = find(resources, "database-snapshot-dr")
    copy_["inputs"]["sharedAccounts"] = [secret(SHARED_ACCOUNT), "all"]
    find(resources, "rds-key")["inputs"]["policy"] = secret(find(resources, "rds-key")["inputs"]["policy"])
    replay(both, resources, "prod")
    assert both.stub.verdicts > 0


# Any value for any of the pack's settings (finite numbers: the SDK's Configure rejects others).
WIRE_CONFIG = st.dictionaries(st.sampled_from(sorted(rdsguard.pack.CONFIG_PROPERTIES)), WIRE_VALUES, max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(resources=stacks(WIRE_VALUES), config=WIRE_CONFIG)
def test_random_stacks_get_the_same_answers(both, resources, config):
    both.configure({AT_REST: config, PLACEMENT: config})
    both.analyze_stack(copy.deepcopy(resources), stack="prod")


def test_settings_are_read_again_when_the_day_changes(both, monkeypatch):
    # The Analyzer reads each policy's settings once per configuration and day: an exemption
    # that expires must stop applying the next day, as it does when settings are read per call.
    instance = find(full_stack("prod"), "database-instance")
    instance["inputs"]["storageEncrypted"] = False
    exemption = {"resource": "database-instance", "reason": "migrating", "expires": "2030-01-01"}
    both.configure({AT_REST: {"exemptions": [exemption]}})
    found = []
    for day in (date(2030, 1, 1), date(2030, 1, 2)):
        monkeypatch.setattr(rdsguard.rule, "today", lambda day=day: day)
        monkeypatch.setattr(analyzer, "today", lambda day=day: day)
        found.append({v.rule for v in both.analyze(instance)})
    assert "rds-storage-encrypted" not in found[0]
    assert "rds-storage-encrypted" in found[1]


def test_a_stack_call_pauses_garbage_collection_and_leaves_it_as_it_was(monkeypatch):
    # Everything the call allocates lives until it ends: collections within would free nothing.
    during = []
    judge = rdsguard.pack.StackRules.judge
    monkeypatch.setattr(rdsguard.pack.StackRules, "judge", lambda *args: during.append(gc.isenabled()) or judge(*args))
    fast = analyzer.Analyzer(*SERVICER_ARGS)
    request = PolicyPackProcess().analyze_stack_request(full_stack("prod"))
    after = []
    try:
        for collecting in (True, False):
            gc.enable() if collecting else gc.disable()
            fast.AnalyzeStack(request, None)
            after.append(gc.isenabled())
    finally:
        gc.enable()
    assert during == [False, False]
    assert after == [True, False]


class RecordingContext:
    """A servicer context as gRPC's: it calls back when the RPC has ended."""

    def __init__(self) -> None:
        self.callbacks: list[Any] = []

    def add_callback(self, callback: Any) -> bool:
        self.callbacks.append(callback)
        return True


def test_a_stack_is_freed_after_the_response_is_sent_and_collection_resumes_then(monkeypatch):
    # Unlinking a large stack is work the engine need not wait for.
    judged = []
    judge = rdsguard.pack.StackRules.judge
    monkeypatch.setattr(
        rdsguard.pack.StackRules, "judge", lambda self, stack, *a: judged.append(stack) or judge(self, stack, *a)
    )
    fast = analyzer.Analyzer(*SERVICER_ARGS)
    request = PolicyPackProcess().analyze_stack_request(full_stack("prod"))
    context = RecordingContext()
    gc.enable()
    try:
        fast.AnalyzeStack(request, context)
        answered = (bool(judged[0].by_urn), gc.isenabled())
        for callback in context.callbacks:
            callback()
        ended = (bool(judged[0].by_urn), gc.isenabled())
    finally:
        gc.enable()
    assert answered == (True, False)
    assert ended == (False, True)


def test_runtime_settings_are_read_from_the_environment_once_not_per_call(monkeypatch):
    # The engine fixes them at launch (PULUMI_CONFIG, PULUMI_PROJECT, ...): 44 µs per call otherwise.
    calls = []
    monkeypatch.setattr(analyzer.SDK_SERVICER, "_configure_runtime_settings", lambda self: calls.append(self))
    gate = in_process(InProcess(analyzer.Analyzer(*SERVICER_ARGS)))
    resources = full_stack("prod")
    for resource in resources[:5]:
        gate.analyze(resource)
        gate.remediation(resource)
    gate.analyze_stack(resources, stack="prod")
    assert len(calls) == 1


# --- what a stack view decodes at once -------------------------------------------------------------


class InProcess:
    """A stub for ``PolicyPackProcess`` calling a servicer in this process, as gRPC would."""

    def __init__(self, servicer: Any) -> None:
        self.servicer = servicer

    def __getattr__(self, method: str) -> Any:
        return lambda request: getattr(self.servicer, method)(request, None)


def stack_reads(monkeypatch: pytest.MonkeyPatch, corpus: list[list[dict]]) -> dict[str, set[str]]:
    """What the stack rules read of each request type (providers as "provider") over ``corpus``,
    known and at preview, with approved keys configured so every stack rule runs."""
    owners: dict[Any, str] = {}  # each stack view's properties -> its request type
    reads: list[tuple[Any, str]] = []  # strong references: no id is reused between calls
    make_stack, get = analyzer.request_stack, analyzer.StackProps.get

    def recording_stack(request, types):
        stack = make_stack(request, types)
        for view in stack.by_urn.values():
            owners[getattr(view.props, "inner", view.props)] = view.native_type or view.type
            if view.provider is not None:
                owners[view.provider] = "provider"
        return stack

    monkeypatch.setattr(analyzer, "request_stack", recording_stack)
    monkeypatch.setattr(analyzer.StackProps, "get", lambda self, name: reads.append((self, name)) or get(self, name))
    gate = in_process(InProcess(analyzer.Analyzer(*SERVICER_ARGS)))
    gate.configure({PLACEMENT: {"approvedKmsKeys": ["alias/central-rds"]}})
    for resources in corpus:
        for form in (resources, as_preview(resources)):
            gate.analyze_stack(form, stack="prod")
    found: dict[str, set[str]] = {}
    for props, name in reads:
        found.setdefault(owners[props], set()).add(name)
    return found


def test_stack_views_decode_at_once_exactly_what_the_stack_rules_read(monkeypatch):
    # A property read but not listed is decoded from the request again, more slowly; one listed
    # but never read is decoded for nothing. Update analyzer.STACK_READS to what this reports.
    corpus = [full_stack(stack) for stack in ("dev", "prod")]
    corpus += [mutated("", case.values[0]) for case in MUTATION_CASES]
    corpus += [legitimate_stack(kind, "prod") for kind in KINDS]
    corpus.append(realistic_stack(240))
    reads = stack_reads(monkeypatch, corpus)
    listed = {
        **{type_: set(names) for type_, names in analyzer.STACK_READS.items()},
        "provider": set(analyzer.PROVIDER_READS),
    }
    assert {t: sorted(names) for t, names in reads.items()} == {t: sorted(names) for t, names in listed.items()}


# --- decoding one value ----------------------------------------------------------------------------------

SECRET_VALUES = st.recursive(
    WIRE_VALUES,
    lambda inner: st.builds(secret, inner) | st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
    max_leaves=6,
)


@given(value=SECRET_VALUES)
def test_a_value_decodes_as_the_sdk_decodes_it(value):
    struct = struct_pb2.Struct()
    struct.update({"value": value})
    assert analyzer.decode(struct.fields["value"]) == deserialize_properties(json_format.MessageToDict(struct))["value"]


# --- the SDK internals it relies on ------------------------------------------------------------------------


def test_installed_sdk_has_the_internals_the_analyzer_relies_on():
    # Fails when pulumi-policy changes them: re-check analyzer.py and the pin in requirements.txt.
    assert analyzer.sdk_fits()


def test_install_makes_the_policy_pack_serve_the_analyzer(monkeypatch):
    monkeypatch.setattr(sdk, "_PolicyAnalyzerServicer", analyzer.SDK_SERVICER)
    assert analyzer.install()
    assert sdk._PolicyAnalyzerServicer is analyzer.Analyzer


def test_install_leaves_an_sdk_without_those_internals_alone(monkeypatch):
    monkeypatch.setattr(sdk, "_PolicyAnalyzerServicer", analyzer.SDK_SERVICER)
    monkeypatch.delattr(analyzer.SDK_SERVICER, "_get_policy_config")
    assert not analyzer.install()
    assert sdk._PolicyAnalyzerServicer is analyzer.SDK_SERVICER


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess() as process:
        yield process


def test_served_pack_never_decodes_a_resource_no_rule_covers(pack):
    # The SDK's decoding rejects an unknown signature object; the Analyzer never reads it.
    bucket = {
        "urn": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
        "type": "aws:s3/bucket:Bucket",
        "name": "b",
        "inputs": {"acl": {SPECIAL_SIG_KEY: "not-a-signature"}},
    }
    assert pack.analyze(bucket) == []
    assert pack.remediate(bucket) is None
