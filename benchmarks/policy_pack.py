"""Benchmark the policy pack over the engine's gRPC protocol, against floors measured in the same run.

    python -m benchmarks.policy_pack [--sizes 1000 5000 20000] [--runs 11] [--requests 1500] [--spawns 11] [--pairs 3]
    python -m benchmarks.policy_pack --write docs/performance.md README.md   # ... and refresh them

Absolute figures are not stable on a shared 2-core machine, so every figure is set against a floor
measured in the same run, calls interleaved so both see the same load:

- the **no-op floor**: a Python gRPC server with the pack's server options that answers every
  Analyzer call with an empty response, spawned the way the engine spawns a pack. Anything the
  pack costs above it is the pack's own work (the request's transfer and parsing are in both);
- for cold start, a **one-policy Python pack** (``pulumi_policy`` with one trivial rule), since the
  engine's launcher imports ``pulumi`` whatever the pack does. The pack starts twice over: as it is
  found (where ``PYTHONDONTWRITEBYTECODE`` is set, as on the development machines, Python compiles
  its modules on every start) and as a copy with its bytecode compiled (as Python writes it on the
  first start wherever it may, or ``python -m compileall policies`` at install).

Every process is launched with what the engine adds to a pack's environment for a preview of the
prod stack (its config as JSON, project, stack: ``offline.policy_gate.engine_environment``); the
SDK reads it again on every call unless the pack keeps what it read.

AnalyzeStack runs over ``benchmarks.stacks.realistic_stack`` at each size, with approvedKmsKeys
configured so every stack rule runs, in ``--pairs`` pack processes (and as many floors) per size,
the largest peak resident memory (``VmHWM``) reported; each round of calls goes through every size
and pair, so the growth from the smallest to the largest compares figures taken in the same
minutes. How a process lands on the machine (cores, memory) moves one pair's ratio by several per
cent, so each ratio is the median of the pairs'. Analyze and Remediate cycle through every resource
of the 1,000-resource stack in its known and its preview form (unknown outputs), grouped by what
the rules cover.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import empty_pb2
from pulumi_policy.version import VERSION as SDK_VERSION

from benchmarks.program import markdown_table, write_into
from benchmarks.stacks import approved_aliases, realistic_stack
from offline.policy_gate import DEFAULT_PACK, PolicyPackProcess, engine_environment, providers_of
from offline.runtime import stack_file
from tests.policies.sdk_args import RULES, rdsguard
from tests.policies.stack_fixtures import as_preview

SIZES = (1000, 5000, 20000)
PLACEMENT = "rds-key-placement"
_RULE_TYPES = frozenset(t for rule in RULES for t in rule.types)
#: Resource types some rule of the pack judges: its own, and the aws-native types judged as one of them.
COVERED = _RULE_TYPES | rdsguard.native.equivalents(_RULE_TYPES)

FLOOR_PACK = '''
"""No-op Analyzer: the same gRPC server as pulumi_policy's, answering every call with nothing."""
import sys
from concurrent import futures

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc


class NoOp(analyzer_pb2_grpc.AnalyzerServicer):
    def GetAnalyzerInfo(self, request, context):
        return analyzer_pb2.AnalyzerInfo(name="no-op", version="0.0.1", supportsConfig=True)

    def Configure(self, request, context):
        return empty_pb2.Empty()

    def ConfigureStack(self, request, context):
        return analyzer_pb2.AnalyzerStackConfigureResponse()

    def Analyze(self, request, context):
        return analyzer_pb2.AnalyzeResponse()

    def AnalyzeStack(self, request, context):
        return analyzer_pb2.AnalyzeResponse()

    def Remediate(self, request, context):
        return analyzer_pb2.RemediateResponse()


server = grpc.server(
    futures.ThreadPoolExecutor(max_workers=4), options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)]
)
analyzer_pb2_grpc.add_AnalyzerServicer_to_server(NoOp(), server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
sys.stdout.buffer.write(f"{port}\\n".encode())
server.wait_for_termination()
'''

ONE_POLICY_PACK = '''
"""The smallest useful Python pack: one resource policy."""
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def no_public_bucket(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket" and args.props.get("acl") == "public-read":
        report_violation("`acl` is public-read; expected private.")


PolicyPack(
    name="one-policy",
    policies=[ResourceValidationPolicy(name="no-public-bucket", description="Buckets are private.", validate=no_public_bucket)],
    enforcement_level=EnforcementLevel.MANDATORY,
)
'''

KINDS = {
    "KMS": "KMS keys (rules apply)",
    "RDS": "RDS resources (rules apply)",
    "unrelated": "types no rule covers",
}

#: Goals, as ratios from one run (issue 13).
GOALS = {
    "growth": 1.1,  # AnalyzeStack growth from the smallest to the largest size, over the growth in size
    "stack": 3.0,  # AnalyzeStack at 5,000 resources over the floor
    "covered": 1.5,  # Analyze median for RDS and KMS resources over the floor
    "unrelated": 1.1,  # Analyze median for types no rule covers over the floor
    "cold start": 1.15,  # spawn to port over a one-policy Python pack
    "rss": 110 * 1024 * 1024,  # peak RSS at 5,000 resources
}


def write_pack(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__main__.py").write_text(source)
    return folder


def peak_rss(process: PolicyPackProcess) -> int:
    assert process.process is not None
    for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def taking_turns(names: list[str], run: int) -> list[str]:
    """Who goes first alternates, so pack and floor see the same load on a shared machine."""
    return names if run % 2 == 0 else names[::-1]


def timed(call: Callable[[], Any]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


@cache
def launch_environment() -> dict[str, str]:
    """What the engine adds to the environment of every pack it launches for a preview of the
    prod stack: the stack's config (as strings, structured values as JSON) and its names."""
    values = yaml.safe_load(stack_file("prod").read_text()).get("config", {})
    config = {key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}
    return engine_environment("encrypted-rds", "prod", dry_run=True, config=config)


def launched(pack: Path = DEFAULT_PACK, config: dict[str, dict[str, Any]] | None = None) -> PolicyPackProcess:
    """A pack (or a floor) launched the way the engine launches it for the prod stack."""
    return PolicyPackProcess(pack, config=config, environment=launch_environment())


def all_workers_started(process: PolicyPackProcess) -> PolicyPackProcess:
    """``process`` once concurrent calls have started every worker thread of its gRPC server.
    A server starts a worker when a call arrives and none is idle. Called one call after another,
    a pack, whose calls take longer, is still finishing one when the next arrives more often than
    the floor is, grows a second worker, and then pays a handover between threads on each call (8 %
    of an Analyze of a type no rule covers, measured) that the floor's single worker does not."""
    with ThreadPoolExecutor(8) as callers:
        list(callers.map(lambda _: process.stub.GetAnalyzerInfo(empty_pb2.Empty()), range(32)))
    return process


def pack_config(size: int) -> dict[str, dict[str, Any]]:
    return {PLACEMENT: {"approvedKmsKeys": approved_aliases(size)}}


# --- measurements ----------------------------------------------------------------------------------


def compiled_copy(folder: Path) -> Path:
    """A copy of the pack with its bytecode compiled, as an installed pack has it."""
    shutil.copytree(DEFAULT_PACK, folder, ignore=shutil.ignore_patterns("__pycache__"))
    if not compileall.compile_dir(folder, quiet=1):
        raise SystemExit(f"could not compile {folder}")
    return folder


def measure_cold_start(reference: Path, compiled: Path, spawns: int) -> dict[str, float]:
    packs = {"pack": DEFAULT_PACK, "compiled pack": compiled, "one-policy pack": reference}
    starts: dict[str, list[float]] = {name: [] for name in packs}
    for run in range(spawns):
        for name in taking_turns(list(packs), run):
            with launched(packs[name]) as process:
                starts[name].append(process.startup_seconds)
    return {name: statistics.median(values) for name, values in starts.items()}


def category(resource: dict[str, Any]) -> str:
    if resource["type"] not in COVERED:
        return "unrelated"
    return "KMS" if resource["type"].startswith(("aws:kms/", "aws-native:kms:")) else "RDS"


def combined(per_pair: list[dict[str, float]]) -> dict[str, float]:
    """Pack and floor medians over process pairs, and the median of the pairs' ratios: how a
    process lands on the machine (cores, memory) moves one pair's ratio by several per cent."""
    return {
        "pack": statistics.median(m["pack"] for m in per_pair),
        "floor": statistics.median(m["floor"] for m in per_pair),
        "ratio": statistics.median(m["pack"] / m["floor"] for m in per_pair),
    }


def measure_calls(floor: Path, count: int, pairs: int) -> dict[str, dict[str, dict[str, float]]]:
    """Median Analyze and Remediate seconds per category of resource, for the pack and the floor:
    in each of ``pairs`` pack and floor processes, ``count // pairs`` calls per category, cycling
    through its resources after one warm-up pass."""
    stack = realistic_stack(1000)
    providers = providers_of(stack)
    per_pair: dict[str, dict[str, list[dict[str, float]]]] = {}
    for _pair in range(pairs):
        with launched(config=pack_config(1000)) as pack, launched(floor) as noop:
            processes = {"pack": pack, "floor": noop}
            for process in processes.values():
                all_workers_started(process).configure_stack("prod", "encrypted-rds", dry_run=True)
            pools: dict[str, list[Any]] = {}
            for resource in stack + as_preview(stack):
                if resource["urn"] not in providers:
                    pools.setdefault(category(resource), []).append(pack.analyze_request(resource, providers))
            for method in ("Analyze", "Remediate"):
                for kind, pool in sorted(pools.items()):
                    times: dict[str, list[float]] = {name: [] for name in processes}
                    for i in range(len(pool) + count // pairs):
                        for name in taking_turns(list(processes), i):
                            call = getattr(processes[name].stub, method)
                            took = timed(lambda: call(pool[i % len(pool)]))  # noqa: B023
                            if i >= len(pool):
                                times[name].append(took)
                    medians = {name: statistics.median(values) for name, values in times.items()}
                    per_pair.setdefault(method, {}).setdefault(kind, []).append(medians)
    return {method: {kind: combined(found) for kind, found in kinds.items()} for method, kinds in per_pair.items()}


def measure_stacks(floor: Path, sizes: list[int], runs: int, pairs: int) -> dict[int, dict[str, float]]:
    """Median AnalyzeStack seconds per size, over ``pairs`` pack and floor processes per size (so
    each process's peak memory is its size's; the largest is reported). Every round calls every
    size and pair, pack and floor taking turns, so a change of load on the machine falls on all
    sizes alike rather than on the last measured: the growth from the smallest to the largest size
    is a ratio of figures from the same minutes."""
    with ExitStack() as running:
        processes: dict[int, list[dict[str, PolicyPackProcess]]] = {size: [] for size in sizes}
        stacks = {size: realistic_stack(size) for size in sizes}
        requests = {size: PolicyPackProcess().analyze_stack_request(stacks[size]) for size in sizes}
        for size in sizes:
            for _pair in range(pairs):
                pack = all_workers_started(running.enter_context(launched(config=pack_config(size))))
                noop = all_workers_started(running.enter_context(launched(floor)))
                processes[size].append({"pack": pack, "floor": noop})
                response = pack.stub.AnalyzeStack(requests[size])  # also the warm-up
                if response.diagnostics:
                    raise SystemExit(f"the {size}-resource stack should pass: {response.diagnostics[0].message}")
                noop.stub.AnalyzeStack(requests[size])
        times = {size: [{"pack": [], "floor": []} for _ in range(pairs)] for size in sizes}
        for run in range(runs):
            for size in sizes[run % len(sizes) :] + sizes[: run % len(sizes)]:
                for pair, pair_processes in enumerate(processes[size]):
                    for name in taking_turns(["pack", "floor"], run + pair):
                        call = pair_processes[name].stub.AnalyzeStack
                        times[size][pair][name].append(timed(lambda: call(requests[size])))  # noqa: B023
        return {
            size: {
                **combined([{name: statistics.median(found) for name, found in pair.items()} for pair in times[size]]),
                "rss": max(peak_rss(pair["pack"]) for pair in processes[size]),
                "floor rss": max(peak_rss(pair["floor"]) for pair in processes[size]),
                "rules' resources": sum(1 for r in stacks[size] if r["type"] in COVERED),
            }
            for size in sizes
        }


# --- report ---------------------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value * 1000:.2f} ms" if value < 0.1 else f"{value:.3f} s"


def megabytes(value: float) -> str:
    return f"{value / 1024 / 1024:.0f} MB"


def verdict(met: bool) -> str:
    return "yes" if met else "**no**"


def report(sizes: list[int], runs: int, requests: int, spawns: int, pairs: int) -> tuple[str, str]:
    """The whole report, and its goals table alone."""
    with tempfile.TemporaryDirectory() as temp:
        floor = write_pack(Path(temp) / "floor", FLOOR_PACK)
        reference = write_pack(Path(temp) / "one-policy", ONE_POLICY_PACK)
        stacks = measure_stacks(floor, sizes, runs, pairs)
        calls = measure_calls(floor, requests, pairs)
        cold = measure_cold_start(reference, compiled_copy(Path(temp) / "compiled"), spawns)

    goals: list[list[str]] = []
    lines = [
        f"Measured on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, pulumi-policy {SDK_VERSION}.\n",
        f"**AnalyzeStack** over realistic stacks ({pairs} pack and floor processes per size, median of {runs} "
        "calls each; every round calls every size, pack and floor taking turns; the ratio is the median of "
        "the pairs')\n",
        markdown_table(
            ["resources", "judged by rules", "pack", "no-op floor", "pack / floor", "pack peak RSS", "floor peak RSS"],
            [
                [
                    f"{size:,}",
                    m["rules' resources"],
                    seconds(m["pack"]),
                    seconds(m["floor"]),
                    f"{m['ratio']:.2f}x",
                    megabytes(m["rss"]),
                    megabytes(m["floor rss"]),
                ]
                for size, m in stacks.items()
            ],
        ),
    ]
    if len(sizes) > 1:
        small, large = stacks[sizes[0]], stacks[sizes[-1]]
        growth, floor_growth = large["pack"] / small["pack"], large["floor"] / small["floor"]
        lines.append(
            f"\nGrowth {sizes[0]:,} → {sizes[-1]:,} resources ({sizes[-1] / sizes[0]:g}x): pack {growth:.1f}x, "
            f"floor {floor_growth:.1f}x."
        )
        limit = GOALS["growth"] * sizes[-1] / sizes[0]
        goals.append(
            [f"AnalyzeStack {sizes[0]:,} → {sizes[-1]:,}", f"≤ {limit:g}x", f"{growth:.1f}x", verdict(growth <= limit)]
        )
    if 5000 in stacks:
        ratio = stacks[5000]["ratio"]
        goals.append(
            ["AnalyzeStack 5,000 / floor", f"≤ {GOALS['stack']:g}x", f"{ratio:.2f}x", verdict(ratio <= GOALS["stack"])]
        )
        rss = stacks[5000]["rss"]
        goals.append(
            ["peak RSS at 5,000", f"≤ {megabytes(GOALS['rss'])}", megabytes(rss), verdict(rss <= GOALS["rss"])]
        )

    for method, by_kind in calls.items():
        lines += [
            f"\n**{method}** per resource ({pairs} pack and floor processes, {requests // pairs} calls per kind "
            "in each, the ratio the median of the pairs'; cycling through those "
            "resources of the 1,000-resource stack, known and preview)\n",
            markdown_table(
                ["resources", "pack", "no-op floor", "pack / floor"],
                [
                    [KINDS[kind], seconds(m["pack"]), seconds(m["floor"]), f"{m['ratio']:.2f}x"]
                    for kind, m in by_kind.items()
                ],
            ),
        ]
    for kind, m in calls["Analyze"].items():
        goal = GOALS["unrelated" if kind == "unrelated" else "covered"]
        ratio = m["ratio"]
        goals.append([f"Analyze median, {kind} / floor", f"≤ {goal:g}x", f"{ratio:.2f}x", verdict(ratio <= goal)])

    ratios = {name: cold[name] / cold["one-policy pack"] for name in ("pack", "compiled pack")}
    as_found = "compiled on every start" if sys.flags.dont_write_bytecode else "bytecode written on its first start"
    lines.append(
        f"\n**Cold start** (spawn to the first answer, median of {spawns} each, interleaved): pack as found "
        f"({as_found}) {seconds(cold['pack'])}, with its bytecode compiled {seconds(cold['compiled pack'])}, "
        f"one-policy Python pack {seconds(cold['one-policy pack'])}: {ratios['pack']:.2f}x and "
        f"{ratios['compiled pack']:.2f}x."
    )
    limit = GOALS["cold start"]
    for name, label in (("compiled pack", "bytecode compiled"), ("pack", as_found)):
        ratio = ratios[name]
        goals.append(
            [f"cold start / one-policy pack ({label})", f"≤ {limit:g}x", f"{ratio:.2f}x", verdict(ratio <= limit)]
        )
    goals_table = markdown_table(["measure", "goal", "this run", "met"], goals)
    lines += ["\n**Goals**\n", goals_table]
    return "\n".join(lines) + "\n", goals_table + "\n"


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="AnalyzeStack stack sizes")
    parser.add_argument("--runs", type=int, default=11, help="AnalyzeStack calls per size (median)")
    parser.add_argument("--requests", type=int, default=1500, help="Analyze and Remediate calls per kind of resource")
    parser.add_argument("--spawns", type=int, default=11, help="cold starts of each pack (median)")
    parser.add_argument("--pairs", type=int, default=3, help="pack and floor processes measured side by side")
    parser.add_argument(
        "--write",
        type=Path,
        nargs="+",
        default=[],
        help="also replace, in these Markdown files, the sections marked policy-benchmark (the report) "
        "and policy-goals (its goals table)",
    )
    args = parser.parse_args(argv)
    text, goals = report(sorted(args.sizes), args.runs, args.requests, args.spawns, args.pairs)
    print(text)
    sections = {"policy-benchmark": text, "policy-goals": goals}
    for path in args.write:
        found = [name for name in sections if f"<!-- {name}:start -->" in path.read_text()]
        if not found:
            raise SystemExit(f"{path} has no policy-benchmark or policy-goals section")
        for name in found:
            write_into(path, sections[name], "python -m benchmarks.policy_pack", name)
    return text


if __name__ == "__main__":
    main()
