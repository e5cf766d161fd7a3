"""Peak memory of the CLI importing xlsx bombs: refused from the zip directory, before parsing.

    python bench/bombs.py                       # 1.5 GB shared string, 3 GB of whitespace
    python bench/bombs.py --scale 0.1           # the same bombs at a tenth of the size
    python bench/bombs.py --repo /tmp/old-zenrei  # measure another checkout (e.g. before the fix)

Builds each workbook in a temporary folder (written in chunks: a bomb never exists unpacked),
runs `python -m assistant import FILE --yes --no-index` in a fresh subprocess with a private
ZENREI_HOME, and reads that child's peak RSS from os.wait4. "idle" is the same interpreter
importing the CLI and openpyxl and doing nothing; "ordinary" imports a small valid workbook;
"random_cell_49MB" is the worst a workbook within the limits can do: one 49 MB cell that must be
parsed before the 1 MB cell limit refuses it.
Target (issue #12): a refused bomb peaks at most 300 MB above idle.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

from hostile_workbooks import random_text, shared_string_bomb, table_workbook, whitespace_bomb  # noqa: E402

LIMIT_MB = 300
IDLE = "import assistant.cli, assistant.importer, openpyxl"


def run(repo: Path, home: Path, args: list[str]) -> dict[str, object]:
    """Run one child to its end; its own peak RSS comes from wait4 (not the whole family's)."""
    env = {**os.environ, "ZENREI_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(repo)}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, *args], cwd=repo, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        said, errors = out.read().strip(), err.read()
    lines = said.splitlines() or errors.strip().splitlines() or [""]
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "exit": child.returncode,
        "peak_mb": round(usage.ru_maxrss / 1024),  # KiB on Linux
        "said": lines[0][:160],
        "traceback": "Traceback" in errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="bomb sizes times this (default 1)")
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose CLI is measured")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    gib = 1024**3
    bombs = {
        "shared_string_1.5GB": (shared_string_bomb, int(1.5 * gib * args.scale)),
        "whitespace_3GB": (whitespace_bomb, int(3 * gib * args.scale)),
        # Just under the part limit and hardly compressible: parsed, then refused by the cell limit.
        "random_cell_49MB": (lambda p, n: shared_string_bomb(p, n, random_text(n)), int(49 * 1024**2 * args.scale)),
    }
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="zenrei-bombs-") as tmp:
        folder = Path(tmp)
        results["idle"] = run(args.repo, folder / "home-idle", ["-c", IDLE])
        ordinary = table_workbook(folder / "ordinary.xlsx", [("R5", "住民票を誤交付した", "", "・確認する")] * 200)
        results["ordinary"] = run(args.repo, folder / "home-ordinary", _import(ordinary))
        for name, (build, size) in bombs.items():
            path = build(folder / f"{name}.xlsx", size)
            result = run(args.repo, folder / f"home-{name}", _import(path))
            result["file_mb"] = round(path.stat().st_size / 1024 / 1024, 1)
            result["unpacked_mb"] = round(size / 1024 / 1024)
            results[name] = result
            path.unlink()
    idle = results["idle"]["peak_mb"]
    for name in bombs:
        results[name]["above_idle_mb"] = results[name]["peak_mb"] - idle
    ok = all(results[n]["exit"] == 2 and results[n]["above_idle_mb"] <= LIMIT_MB for n in bombs)
    ok = ok and not any(r["traceback"] for r in results.values())
    if args.json:
        print(json.dumps({"results": results, "ok": ok}, ensure_ascii=False))
    else:
        print(f"{'case':<22} {'file MB':>8} {'unpacked MB':>12} {'peak MB':>8} {'+idle':>6} {'exit':>4} {'s':>6}  said")
        for name, r in results.items():
            above = r.get("above_idle_mb", "")
            print(
                f"{name:<22} {r.get('file_mb', ''):>8} {r.get('unpacked_mb', ''):>12} {r['peak_mb']:>8} {above:>6} "
                f"{r['exit']:>4} {r['seconds']:>6}  {r['said']}"
            )
        print(f"target: every bomb refused (exit 2), at most {LIMIT_MB} MB above idle: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def _import(path: Path) -> list[str]:
    return ["-m", "assistant", "import", str(path), "--yes", "--no-index"]


if __name__ == "__main__":
    sys.exit(main())
