"""Program benchmarks: evaluation time of the stacks, scaling, and the deploy critical path.

    python -m benchmarks.program                      # the three tables, in Markdown
    python -m benchmarks.program --write docs/performance.md   # ... and put them in its benchmark section

Every measurement runs in a fresh ``python -m benchmarks.program --child ...`` process, so the
import of pulumi, pulumi-aws and the components is included and nothing is shared between
measurements; its peak memory is the child's own maximum resident set size (``getrusage``).

1. Stacks: ``run_stack("dev")`` and ``run_stack("prod")`` under the mock runtime.
2. Scaling: a Python stack of N x (EncryptionKey + EncryptedDatabase + same-region
   EncryptedReadReplica); time and peak memory must grow linearly, and N=100 stay under 15 s.
   Time spent in Python's cyclic garbage collector is measured apart (``gc.callbacks``).
3. Critical path: from the recorded dependency graph, the longest chain of long-running AWS
   operations, against the longest chain the topology itself imposes (``INHERENT``); equal means
   no dependency serializes work AWS could do in parallel.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1, 10, 50, 100)
TARGET_SECONDS_AT_100 = 15.0
#: A segment's cost per database may exceed the first segment's by this factor and still be linear.
LINEAR_TOLERANCE = 1.5

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SNAPSHOT = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
BACKUP_REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
#: AWS operations that take minutes (creating a database, a replica, a snapshot or a copy); the rest
#: (keys, aliases, subnet groups, secrets, policies) take seconds and weigh nothing here.
LONG_RUNNING = frozenset(
    {INSTANCE, CLUSTER, CLUSTER_INSTANCE, SNAPSHOT, CLUSTER_SNAPSHOT, SNAPSHOT_COPY, GLOBAL_CLUSTER, BACKUP_REPLICATION}
)
#: What AWS itself makes a long-running operation wait for: (type, input naming the source) ->
#: long-running types that input can name. Everything else may run in parallel.
INHERENT: dict[tuple[str, str], frozenset[str]] = {
    # A read replica is created from its source instance.
    (INSTANCE, "replicateSourceDb"): frozenset({INSTANCE}),
    # A restore reads the snapshot (or copy) it restores.
    (INSTANCE, "snapshotIdentifier"): frozenset({SNAPSHOT, SNAPSHOT_COPY}),
    (CLUSTER, "snapshotIdentifier"): frozenset({SNAPSHOT, CLUSTER_SNAPSHOT, SNAPSHOT_COPY}),
    # An Aurora member joins its global database; a cluster replica reads its source.
    (CLUSTER, "globalClusterIdentifier"): frozenset({GLOBAL_CLUSTER}),
    (CLUSTER, "replicationSourceIdentifier"): frozenset({CLUSTER, INSTANCE}),
    # An Aurora instance is created in its cluster.
    (CLUSTER_INSTANCE, "clusterIdentifier"): frozenset({CLUSTER}),
    # A snapshot is taken of its database; a copy copies its snapshot.
    (SNAPSHOT, "dbInstanceIdentifier"): frozenset({INSTANCE}),
    (CLUSTER_SNAPSHOT, "dbClusterIdentifier"): frozenset({CLUSTER}),
    (SNAPSHOT_COPY, "sourceDbSnapshotIdentifier"): frozenset({SNAPSHOT, CLUSTER_SNAPSHOT, SNAPSHOT_COPY}),
    # Backups are replicated from an instance that exists.
    (BACKUP_REPLICATION, "sourceDbInstanceArn"): frozenset({INSTANCE}),
}


# The dependency graph --------------------------------------------------------------------------


@dataclass
class Chain:
    """A chain of resources in deploy order; its length counts the long-running operations."""

    length: int
    urns: list[str]

    def describe(self, names: dict[str, str]) -> str:
        return " -> ".join(names[urn] for urn in self.urns) or "(none)"


def _custom_descendants(resources: Iterable[Any]) -> dict[str, set[str]]:
    """For each URN: itself if custom, else the custom resources under it (what waiting on it means)."""
    resources = list(resources)
    children: dict[str, list[str]] = defaultdict(list)
    for resource in resources:
        children[resource.parent].append(resource.urn)
    custom = {resource.urn for resource in resources if resource.custom}
    memo: dict[str, set[str]] = {}

    def under(urn: str) -> set[str]:
        if urn not in memo:
            memo[urn] = {urn} if urn in custom else set().union(*(under(c) for c in children[urn]), set())
        return memo[urn]

    return {resource.urn: under(resource.urn) for resource in resources}


def dependency_graph(resources: Iterable[Any]) -> dict[str, set[str]]:
    """What each custom resource waits for before AWS starts creating it, as the engine orders it.

    Its ``dependsOn`` and property dependencies, and a custom parent; waiting on a component is
    waiting on every custom resource under it. A child does not wait for a component parent.
    """
    resources = list(resources)
    resolved = _custom_descendants(resources)
    custom = {resource.urn for resource in resources if resource.custom}
    graph: dict[str, set[str]] = {}
    for resource in resources:
        if not resource.custom:
            continue
        waits = set(resource.dependencies)
        for urns in resource.property_dependencies.values():
            waits |= set(urns)
        if resource.parent in custom:
            waits.add(resource.parent)
        graph[resource.urn] = {c for urn in waits for c in resolved.get(urn, set())} - {resource.urn}
    return graph


def inherent_graph(resources: Iterable[Any]) -> dict[str, set[str]]:
    """Only the waits AWS imposes (``INHERENT``), between long-running operations."""
    resources = list(resources)
    resolved = _custom_descendants(resources)
    types = {resource.urn: resource.type for resource in resources}
    graph: dict[str, set[str]] = {resource.urn: set() for resource in resources if resource.custom}
    for resource in resources:
        if not resource.custom:
            continue
        for (type_, prop), sources in INHERENT.items():
            if resource.type == type_:
                for urn in resource.property_dependencies.get(prop, []):
                    graph[resource.urn] |= {c for c in resolved.get(urn, set()) if types[c] in sources}
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html:
    # a secondary cluster (no master user of its own) is added to a global database whose primary
    # cluster is available with its writer instance.
    members = [r for r in resources if r.type == CLUSTER and r.inputs.get("globalClusterIdentifier")]
    for secondary in (m for m in members if not m.inputs.get("masterUsername")):
        for primary in (m for m in members if m.inputs.get("masterUsername")):
            if primary.inputs["globalClusterIdentifier"] == secondary.inputs["globalClusterIdentifier"]:
                writers = {
                    r.urn for r in resources if r.type == CLUSTER_INSTANCE and primary.urn in graph.get(r.urn, set())
                }
                graph[secondary.urn] |= writers or {primary.urn}
    return graph


def longest_chain(graph: dict[str, set[str]], types: dict[str, str]) -> Chain:
    """The chain with the most long-running operations (each weighs 1, everything else 0)."""
    best: dict[str, tuple[int, list[str]]] = {}

    def visit(urn: str, path: tuple[str, ...] = ()) -> tuple[int, list[str]]:
        if urn in path:
            raise ValueError(f"dependency cycle through {urn}")
        if urn not in best:
            before = max((visit(dep, (*path, urn)) for dep in graph[urn]), default=(0, []), key=lambda c: c[0])
            weight = 1 if types[urn] in LONG_RUNNING else 0
            best[urn] = (before[0] + weight, before[1] + ([urn] if weight else []))
        return best[urn]

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 1000))
    length, urns = max((visit(urn) for urn in graph), default=(0, []), key=lambda c: c[0])
    return Chain(length, urns)


def critical_paths(resources: Iterable[Any]) -> tuple[Chain, Chain]:
    """(the deploy critical path of the recorded graph, the minimum the topology allows)."""
    resources = list(resources)
    types = {resource.urn: resource.type for resource in resources}
    return longest_chain(dependency_graph(resources), types), longest_chain(inherent_graph(resources), types)


# The measured programs -------------------------------------------------------------------------

NETWORK = {
    "subnet_ids": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "vpc_security_group_ids": ["sg-0a1b2c3d4e5f60001"],
}


def scaling_program(count: int):
    """A Python stack of ``count`` encrypted databases, each with its own key and a replica."""
    from components import EncryptedDatabase, EncryptedReadReplica, EncryptionKey

    def program() -> None:
        for index in range(count):
            key = EncryptionKey(f"key-{index}", {"alias": f"alias/orders-{index}", "deletion_window_days": 7})
            database = EncryptedDatabase(
                f"orders-{index}",
                {
                    "kms_key_arn": key.key_arn,
                    "engine": "postgres",
                    "instance_class": "db.t4g.micro",
                    "password_mode": "write-only",
                    **NETWORK,
                },
            )
            EncryptedReadReplica(
                f"orders-{index}-replica",
                {
                    **database.replica_source(),
                    "instance_class": "db.t4g.micro",
                    "vpc_security_group_ids": NETWORK["vpc_security_group_ids"],
                },
            )

    return program


def child(kind: str, argument: str) -> dict[str, Any]:
    """One measurement, in this (fresh) process: import, evaluate, then analyse the graph."""
    started = time.perf_counter()
    collecting: dict[str, float] = {"total": 0.0}

    def on_gc(phase: str, _info: dict) -> None:
        if phase == "start":
            collecting["since"] = time.perf_counter()
        elif "since" in collecting:
            collecting["total"] += time.perf_counter() - collecting.pop("since")

    gc.callbacks.append(on_gc)
    sys.path.insert(0, str(ROOT))
    from offline.runtime import run_program, run_stack

    if kind != "stack":
        # What __main__.py does before a stack is evaluated; the scaling programs skip __main__.py.
        from infrastructure import tune_garbage_collector

        tune_garbage_collector()
    imported = time.perf_counter()
    gc_before = collecting["total"]
    if kind == "stack":
        run = run_stack(argument)
    else:
        run = run_program(scaling_program(int(argument)), "bench", {"aws:region": "us-east-1"})
    evaluated = time.perf_counter()
    gc.callbacks.remove(on_gc)
    actual, minimum = critical_paths(run.resources)
    names = {resource.urn: resource.name for resource in run.resources}
    return {
        "import_s": imported - started,
        "evaluate_s": evaluated - imported,
        "gc_s": collecting["total"] - gc_before,
        "resources": len(run.resources),
        "custom": sum(1 for resource in run.resources if resource.custom),
        "long_running": sum(1 for resource in run.resources if resource.type in LONG_RUNNING),
        "critical_path": actual.length,
        "critical_chain": actual.describe(names),
        "minimum_path": minimum.length,
        "minimum_chain": minimum.describe(names),
    }


# The parent: run children, print tables --------------------------------------------------------


@dataclass
class Measurement:
    wall_s: float
    peak_mb: float
    result: dict[str, Any]


def measure(kind: str, argument: str) -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.program", "--child", kind, argument],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{kind} {argument} failed:\n{stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    return Measurement(wall, result.pop("peak_kb") / 1024, result)


def median_of(kind: str, argument: str, repeat: int) -> Measurement:
    runs = [measure(kind, argument) for _ in range(repeat)]
    runs.sort(key=lambda m: m.wall_s)
    middle = runs[len(runs) // 2]
    return Measurement(
        statistics.median(m.wall_s for m in runs), statistics.median(m.peak_mb for m in runs), middle.result
    )


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """Numbers right-aligned, text left-aligned."""
    numeric = [all(re.fullmatch(r"[\d.]+", str(row[i])) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def segment_costs(sizes: list[int], values: list[float]) -> list[float]:
    """Cost per database between consecutive sizes (the slope of each segment)."""
    return [(values[i + 1] - values[i]) / (sizes[i + 1] - sizes[i]) for i in range(len(sizes) - 1)]


def is_linear(sizes: list[int], values: list[float]) -> bool:
    slopes = segment_costs(sizes, values)
    return all(slope <= LINEAR_TOLERANCE * slopes[0] for slope in slopes[1:])


def report(repeat: int, sizes: list[int]) -> str:
    machine = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    sections = [f"Measured on {machine}; each figure the median of {repeat} fresh processes.\n"]

    stacks = {stack: median_of("stack", stack, repeat) for stack in ("dev", "prod")}
    sections.append(
        "**Stack evaluation under the mock runtime** (process wall time includes interpreter start and imports)\n"
    )
    sections.append(
        markdown_table(
            ["stack", "resources", "process wall (s)", "imports (s)", "evaluation (s)", "peak memory (MB)"],
            [
                [
                    stack,
                    m.result["resources"],
                    f"{m.wall_s:.2f}",
                    f"{m.result['import_s']:.2f}",
                    f"{m.result['evaluate_s']:.2f}",
                    f"{m.peak_mb:.0f}",
                ]
                for stack, m in stacks.items()
            ],
        )
    )

    scaled = {size: median_of("scale", str(size), repeat) for size in sizes}
    evaluations = [scaled[size].result["evaluate_s"] for size in sizes]
    without_gc = [scaled[size].result["evaluate_s"] - scaled[size].result["gc_s"] for size in sizes]
    memory = [scaled[size].peak_mb for size in sizes]
    sections.append(
        "\n**Scaling**: N x (EncryptionKey + EncryptedDatabase + EncryptedReadReplica) in one Python stack\n"
    )
    sections.append(
        markdown_table(
            [
                "N",
                "resources",
                "process wall (s)",
                "evaluation (s)",
                "of which GC (s)",
                "evaluation per database (ms)",
                "peak memory (MB)",
            ],
            [
                [
                    size,
                    scaled[size].result["resources"],
                    f"{scaled[size].wall_s:.2f}",
                    f"{scaled[size].result['evaluate_s']:.2f}",
                    f"{scaled[size].result['gc_s']:.2f}",
                    f"{1000 * scaled[size].result['evaluate_s'] / size:.1f}",
                    f"{scaled[size].peak_mb:.0f}",
                ]
                for size in sizes
            ],
        )
    )
    if len(sizes) > 2:
        per_db = lambda values, scale: ", ".join(f"{scale * s:.1f}" for s in segment_costs(sizes, values))  # noqa: E731
        sections.append(
            "\nCost of one more database between consecutive sizes: "
            f"evaluation {per_db(evaluations, 1000)} ms, without GC {per_db(without_gc, 1000)} ms, "
            f"memory {per_db(memory, 1)} MB."
        )
        ratio = lambda values: segment_costs(sizes, values)[-1] / segment_costs(sizes, values)[0]  # noqa: E731
        own_work_linear = is_linear(sizes, without_gc) and is_linear(sizes, memory)
        sections.append(
            f"Last segment's cost per database against the first: evaluation x{ratio(evaluations):.2f}, "
            f"without GC x{ratio(without_gc):.2f}, memory x{ratio(memory):.2f}. "
            f"Program work and memory linear (within x{LINEAR_TOLERANCE}): {'yes' if own_work_linear else 'NO'}; "
            f"total evaluation within x{LINEAR_TOLERANCE}: {'yes' if is_linear(sizes, evaluations) else 'no'} "
            "(the difference is the garbage collector)."
        )
    if sizes[-1] >= 100:
        largest = scaled[sizes[-1]].wall_s
        verdict = "met" if largest < TARGET_SECONDS_AT_100 else "MISSED"
        sections.append(
            f"Target: {sizes[-1]} databases under {TARGET_SECONDS_AT_100:.0f} s: {largest:.2f} s, {verdict}."
        )

    sections.append(
        "\n**Deploy critical path**: long-running AWS operations in a row (database, replica, snapshot, copy, backup replication)\n"
    )
    rows = []
    for label, m in [(f"{stack} stack", stacks[stack]) for stack in stacks] + [
        (f"N = {size}", scaled[size]) for size in sizes
    ]:
        equal = m.result["critical_path"] == m.result["minimum_path"]
        rows.append(
            [
                label,
                m.result["long_running"],
                m.result["critical_path"],
                m.result["minimum_path"],
                "yes" if equal else "NO",
                m.result["critical_chain"],
            ]
        )
    sections.append(
        markdown_table(
            ["program", "long-running operations", "critical path", "topology minimum", "equal", "critical chain"],
            rows,
        )
    )
    return "\n".join(sections) + "\n"


def write_into(path: Path, text: str, command: str, section: str = "benchmark") -> None:
    """Replace what stands between the ``<!-- {section}:start -->`` and ``:end`` markers in ``path``."""
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    content = path.read_text()
    if start not in content or end not in content:
        raise SystemExit(f"{path} has no {start} ... {end} section")
    body = f"{start}\n<!-- generated by `{command}` -->\n\n{text}\n{end}"
    path.write_text(re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: body, content, flags=re.S))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure (median); default 3")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="databases per scaling stack")
    parser.add_argument("--write", type=Path, help="also replace the benchmark section of this Markdown file")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARGUMENT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = child(*args.child)
        import resource

        result["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(result))
        return
    text = report(args.repeat, sorted(args.sizes))
    print(text)
    if args.write:
        command = "python -m benchmarks.program" + (f" --repeat {args.repeat}" if args.repeat != 3 else "")
        write_into(args.write, text, command)


if __name__ == "__main__":
    main()
