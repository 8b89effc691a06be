"""Run every ``benchmarks/bench_*.py`` module's ``run()`` and print one JSON object.

Usage: ``python benchmarks/run.py [NAME ...]`` (names without the ``bench_`` prefix).
Each module returns measured figures plus its targets and whether they were met.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    wanted = set(argv)
    results: dict[str, object] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
    }
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        t0 = time.perf_counter()
        try:
            results[name] = _load(path).run()
        except Exception as exc:  # report which benchmark broke, then fail the command
            print(json.dumps(results, indent=2))
            print(f"benchmark {name} failed: {exc!r}", file=sys.stderr)
            return 1
        print(f"[bench] {name}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
