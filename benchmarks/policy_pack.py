"""Benchmark the policy pack over the engine's gRPC protocol (not a test: nothing here asserts).

    python -m benchmarks.policy_pack [--spawns 7] [--requests 3000]

Measures what every `pulumi preview`/`up` in the organisation pays: cold start (spawn to the
first GetAnalyzerInfo answer), Analyze latency over a realistic request mix, AnalyzeStack over
1,000 and 5,000 resources with the stack rules running, and the pack's peak memory.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from pathlib import Path

from offline.policy_gate import PolicyPackProcess
from tests.policies.stack_fixtures import as_preview, full_stack

TARGETS = {
    "cold start": 0.3,
    "Analyze median": 1.0e-3,
    "Analyze p95": 1.5e-3,
    "AnalyzeStack 5,000": 0.4,
    "peak RSS": 120 * 1024 * 1024,
}


def other_resources(count: int, stack: str = "prod") -> list[dict]:
    """Resources an org-wide pack sees that are not RDS: it must pass them cheaply."""
    kinds = [
        ("aws:s3/bucket:Bucket", {"bucket": "logs", "acl": "private", "forceDestroy": False, "tags": {"team": "x"}}),
        ("aws:iam/role:Role", {"assumeRolePolicy": '{"Version": "2012-10-17", "Statement": []}', "path": "/"}),
        (
            "aws:ec2/securityGroup:SecurityGroup",
            {"vpcId": "vpc-1", "ingress": [{"fromPort": 5432.0, "toPort": 5432.0}]},
        ),
        ("aws:rds/subnetGroup:SubnetGroup", {"subnetIds": ["subnet-1", "subnet-2"], "description": "db"}),
        ("encryptedrds:index:EncryptedDatabase", {}),
    ]
    resources = []
    for i in range(count):
        type_, inputs = kinds[i % len(kinds)]
        name = f"other-{i}"
        resources.append(
            {
                "urn": f"urn:pulumi:{stack}::encrypted-rds::{type_}::{name}",
                "type": type_,
                "name": name,
                "inputs": inputs,
                "outputs": inputs,  # AnalyzeStack reads outputs, which hold the inputs too
            }
        )
    return resources


def stack_of(size: int) -> list[dict]:
    """``size`` resources: copies of the full RDS stack (renamed, dependencies rewired), 30% RDS."""
    template = full_stack("prod")
    resources: list[dict] = []
    copy_index = 0
    while len(resources) < size * 0.3:
        suffix = f"-{copy_index}"
        renamed = {r["urn"]: r["urn"] + suffix for r in template}
        for original in template:
            resource = copy.deepcopy(original)
            resource["urn"] = renamed[resource["urn"]]
            resource["name"] += suffix
            resource["propertyDependencies"] = {
                k: [renamed.get(u, u) for u in v] for k, v in resource.get("propertyDependencies", {}).items()
            }
            resources.append(resource)
        copy_index += 1
    resources += other_resources(size - len(resources))
    return resources[:size]


def measure_cold_start(spawns: int) -> float:
    times = []
    for _ in range(spawns):
        with PolicyPackProcess() as pack:
            times.append(pack.startup_seconds)
    return statistics.median(times)


def measure_analyze(pack: PolicyPackProcess, count: int) -> tuple[float, float]:
    prod = full_stack("prod")
    mix = prod + as_preview(prod) + other_resources(len(prod) * 2)
    requests = [pack.analyze_request(r) for r in mix]
    pack.configure_stack("prod", "encrypted-rds", dry_run=True)
    for request in requests:  # warm up
        pack.stub.Analyze(request)
    latencies = []
    for i in range(count):
        request = requests[i % len(requests)]
        began = time.perf_counter()
        pack.stub.Analyze(request)
        latencies.append(time.perf_counter() - began)
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.95)]


def measure_analyze_stack(pack: PolicyPackProcess, size: int, runs: int = 3) -> float:
    request = pack.analyze_stack_request(stack_of(size))
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = pack.stub.AnalyzeStack(request)
        times.append(time.perf_counter() - began)
    assert not response.diagnostics, [d.message for d in response.diagnostics][:3]
    return statistics.median(times)


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spawns", type=int, default=7)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()

    results: dict[str, float] = {"cold start": measure_cold_start(args.spawns)}
    with PolicyPackProcess() as pack:
        results["Analyze median"], results["Analyze p95"] = measure_analyze(pack, args.requests)
        results["AnalyzeStack 1,000"] = measure_analyze_stack(pack, 1000)
        results["AnalyzeStack 5,000"] = measure_analyze_stack(pack, 5000)
        assert pack.process is not None
        results["peak RSS"] = peak_rss(pack.process.pid)

    def show(name: str, value: float) -> str:
        if name == "peak RSS":
            return f"{value / 1024 / 1024:.0f} MB"
        return f"{value * 1000:.2f} ms" if value < 0.1 else f"{value:.3f} s"

    print("| measure | result | target | met |\n|---|---|---|---|")
    for name, value in results.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else ("yes" if value < target else "NO")
        print(f"| {name} | {show(name, value)} | {'' if target is None else '< ' + show(name, target)} | {verdict} |")


if __name__ == "__main__":
    main()
