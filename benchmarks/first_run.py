"""Benchmark a newcomer's first command, `make preview STACK=prod` (not a test: nothing here asserts).

    python -m benchmarks.first_run [--pip]

Each run is the real command, `make` included, into a virtualenv made for the benchmark beside the
project's own, with a uv cache of its own there too (same file system, so uv links from its cache
exactly as it does for .venv): first with that cache empty (a fresh machine: every wheel is
downloaded), then into a fresh virtualenv with the cache warm, then once more with that virtualenv in
place (the warm run every later command pays). Cold and warm are measured twice:
where Python writes bytecode (it compiles what a command imports on first use), and with
PYTHONDONTWRITEBYTECODE=1 (the install compiles everything up front). ``--pip`` adds a cold run with
the fallback installer (INSTALLER=pip). Wall time and the CPU time of all processes are reported
(on a shared machine, wall time grows with the load; CPU time much less). Also reports what the
virtualenv holds.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"cold, warm package cache": 45.0, "warm": 2.0}
NO_BYTECODE = " (PYTHONDONTWRITEBYTECODE=1)"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_preview(venv: Path, installer: str = "uv", write_bytecode: bool = True) -> tuple[float, float]:
    """Wall and CPU seconds of ``make preview STACK=prod`` with that virtualenv (and the uv cache beside it)."""
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "PYTHONDONTWRITEBYTECODE")}
    env["UV_CACHE_DIR"] = str(venv.parent / "uv-cache")
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    began, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        ["make", "--no-print-directory", f"VENV={venv}", f"INSTALLER={installer}", "preview", "STACK=prod"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    return time.perf_counter() - began, children_cpu() - cpu


def tree_size(path: Path) -> int:
    return sum(entry.lstat().st_size for entry in path.rglob("*") if entry.is_file() and not entry.is_symlink())


def largest(venv: Path, count: int = 6) -> list[tuple[str, int]]:
    """The biggest installed packages and executables: what makes the virtualenv heavy."""
    site = next((venv / "lib").glob("python3*/site-packages"))
    entries = [*site.iterdir(), *(venv / "bin").iterdir()]
    sizes = [(entry.name, tree_size(entry) if entry.is_dir() else entry.lstat().st_size) for entry in entries]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pip", action="store_true", help="also time a cold run with INSTALLER=pip (minutes)")
    args = parser.parse_args()

    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(dir=ROOT, prefix=".first-run-") as scratch:
        venv = Path(scratch)
        results["cold, empty package cache"] = make_preview(venv / "first")
        results["cold, warm package cache"] = make_preview(venv / "lazy")
        results["warm"] = make_preview(venv / "lazy")
        results["cold, warm package cache" + NO_BYTECODE] = make_preview(venv / "compiled", write_bytecode=False)
        results["warm" + NO_BYTECODE] = make_preview(venv / "compiled", write_bytecode=False)
        if args.pip:
            results["cold, INSTALLER=pip"] = make_preview(venv / "pip", installer="pip")
        sizes = {name: (tree_size(venv / name), largest(venv / name)) for name in ("lazy", "compiled")}

    print("| `make preview STACK=prod` | wall | CPU | target (wall) | met |\n|---|---|---|---|---|")
    for name, (wall, cpu) in results.items():
        target = TARGETS.get(name.removesuffix(NO_BYTECODE))
        verdict = "" if target is None else ("yes" if wall < target else "NO")
        print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {'' if target is None else f'< {target:.0f} s'} | {verdict} |")
    for name, (size, heaviest) in sizes.items():
        print(
            f"\nVirtualenv ({name}): {size / 1e6:.0f} MB; largest: "
            + ", ".join(f"{n} {s / 1e6:.0f} MB" for n, s in heaviest)
        )


if __name__ == "__main__":
    main()
