"""CLI benchmark: what a user waits for, as whole processes, against baselines of the same run.

    python -m bench.bench_cli                    # 5,500-commit synthetic repository
    python -m bench.bench_cli --repo ~/src/x     # a real repository instead
    python -m bench.bench_cli --runs 15          # more runs on a noisy machine

Prints, for each command, the median wall time and CPU time (user + system, which a busy
machine disturbs less) over interleaved runs, and ratios against baselines measured in the
same run:
- `opsmaturity --version` and `--help` against `python -c pass` (the interpreter alone;
  target: under 0.25 s), and the German and a command's help (help.yaml is read) against
  `--version` (which reads nothing);
- `opsmaturity collect git REPO --no-cache` (the whole history, line counts included)
  against `git log --numstat` of the same repository (target: at most 1.3x);
- `opsmaturity assess REPO` on an unchanged repository, answered from the cache
  (target: under 0.5 s).
Bytecode is written and warmed up first (PYTHONDONTWRITEBYTECODE is unset for the runs),
as in a normal installation. Nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_git import make_repo

ROOT = Path(__file__).resolve().parent.parent
SINCE = "2000-01-01"  # the whole history (the synthetic one starts in 2020)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `cmd` (output discarded)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run(cmd, stdout=sink, stderr=sink, env=env, cwd=cwd, check=True)
    return time.perf_counter() - started, _children_cpu() - cpu


def measure(commands: dict[str, list[str]], runs: int, env: dict[str, str],
            cwd: Path) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds per command; the commands take turns, so they share
    whatever else the machine is doing."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            samples[name].append(run_once(cmd, env, cwd))
    return {name: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s))
            for name, s in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, help="a real repository (default: synthetic)")
    parser.add_argument("--commits", type=int, default=5500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    exe = str(Path(sys.executable).with_name("opsmaturity"))
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        base = Path(tmp)
        repo = args.repo.resolve() if args.repo else make_repo(base, args.commits, 60, 1500)
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONDONTWRITEBYTECODE", "FORCE_COLOR")}
        env["OPSMATURITY_CACHE_DIR"] = str(base / "cache")
        from opsmaturity.collectors.git.log import FORMAT

        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "opsmaturity --version": [exe, "--version"],
            "opsmaturity --help": [exe, "--help"],
            "opsmaturity --lang de --help": [exe, "--lang", "de", "--help"],
            "opsmaturity collect git --help": [exe, "collect", "git", "--help"],
            "git log --numstat": ["git", "-c", "core.quotepath=off", "log", "-z", FORMAT,
                                  "--numstat", "HEAD"],
            "opsmaturity collect git": [exe, "collect", "git", str(repo), "--since", SINCE,
                                        "--no-cache", "--out", "-"],
            "opsmaturity assess (cached)": [exe, "assess", str(repo), "--since", SINCE, "-q"],
        }
        print(f"repository: {repo} ({_commits(repo)} commits); {args.runs} runs each, "
              f"interleaved; {os.cpu_count()} CPUs", flush=True)
        for cmd in commands.values():  # bytecode, the catalogue and evidence caches
            run_once(cmd, env, repo)
        result = measure(commands, args.runs, env, repo)

    def line(name: str, versus: str | None = None, target: str = "") -> None:
        wall, cpu = result[name]
        ratio = ""
        if versus:
            base_wall, base_cpu = result[versus]
            ratio = f"  {wall / base_wall:5.2f}x wall  {cpu / base_cpu:5.2f}x cpu  vs {versus}"
        print(f"  {name:30s} {wall * 1000:7.0f} ms wall {cpu * 1000:7.0f} ms cpu{ratio}"
              + (f"   ({target})" if target else ""))

    print("start-up")
    line("python -c pass")
    line("opsmaturity --version", "python -c pass", "target < 250 ms")
    line("opsmaturity --help", "python -c pass", "target < 250 ms")
    line("opsmaturity --lang de --help", "opsmaturity --version", "help.yaml read")
    line("opsmaturity collect git --help", "opsmaturity --version", "help.yaml read")
    print("mining the whole history")
    line("git log --numstat")
    line("opsmaturity collect git", "git log --numstat", "target <= 1.3x")
    print("an unchanged repository")
    line("opsmaturity assess (cached)", "python -c pass", "target < 500 ms")


def _commits(repo: Path) -> str:
    proc = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo,
                          capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "?"


if __name__ == "__main__":
    main()
