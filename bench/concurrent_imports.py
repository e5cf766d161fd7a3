"""Three CLI imports at once, many times: does the index saved last hold every stored case?

    python bench/concurrent_imports.py                    # 10 runs of 3 concurrent imports
    python bench/concurrent_imports.py --runs 20 --imports 4
    python bench/concurrent_imports.py --repo /tmp/old-zenrei   # another checkout (before the fix)

Each run starts from a fresh ZENREI_HOME whose index holds the seed (19 cases), then starts
`--imports` processes at once, each running `python -m assistant import FILE --yes` on its own
table of 3 cases, with the tests' FakeEmbedder in place of the model (so the bench measures
the locking and needs no model); each embedding call sleeps a random time up to --jitter
seconds, as a model's varying embedding time would (with no jitter the race window is too
small to hit). After all have exited, the saved
index's snapshot (index/incidents.jsonl) is counted against the store. Issue #12 saw 2 of 7
runs end with a stale index (104 of 107 cases).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import random, sys, time
sys.path[:0] = [{repo!r}, {tests!r}]
from conftest import FakeEmbedder
import assistant.engine

class SlowFake(FakeEmbedder):
    def embed(self, texts, prompt, progress=None):
        time.sleep(random.uniform(0, {jitter!r}))  # a model's embedding time, varying
        return super().embed(texts, prompt, progress)

assistant.engine.open_embedder = lambda spec, cache: SlowFake()
from assistant.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _child(repo: Path, home: Path, args: list[str], jitter: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, "ZENREI_HOME": str(home), "ZENREI_DATA": str(repo / "data/tables/seed.txt")}
    env["HF_HUB_OFFLINE"] = "1"
    code = CHILD.format(repo=str(repo), tests=str(repo / "tests"), jitter=jitter)
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _count(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def one_run(repo: Path, folder: Path, run: int, imports: int, jitter: float) -> dict[str, object]:
    home = folder / f"home{run}"
    build = _child(repo, home, ["build"])
    _, err = build.communicate()
    if build.returncode != 0:
        raise SystemExit(f"build failed: {err.decode()[-400:]}")
    children = []
    for n in range(imports):
        table = folder / f"run{run}-{n}.csv"
        rows = "".join(f"r{run}i{n}c{k},R5,取り込み{n}の事案{k}: 窓口で書類を別の方に渡した\n" for k in range(3))
        table.write_text("id,年度,事案の内容\n" + rows, encoding="utf-8")
        children.append(_child(repo, home, ["import", str(table), "--yes"], jitter))
    codes = []
    for child in children:
        _, err = child.communicate()
        codes.append(child.returncode)
        if child.returncode != 0:
            print(err.decode()[-400:], file=sys.stderr)
    import sqlite3

    with sqlite3.connect(home / "store.sqlite3") as db:
        stored = db.execute("SELECT COUNT(*) FROM incidents WHERE deleted = 0").fetchone()[0]
    indexed = _count(home / "index" / "default" / "incidents.jsonl")
    return {"run": run, "exit_codes": codes, "stored": stored, "expected_index": 19 + stored, "indexed": indexed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--imports", type=int, default=3, help="concurrent imports per run")
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose CLI is run")
    parser.add_argument(
        "--jitter", type=float, default=1.0, help="each embedding call sleeps up to this many seconds (default 1)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zenrei-concurrent-") as tmp:
        results = [one_run(args.repo.resolve(), Path(tmp), run, args.imports, args.jitter) for run in range(args.runs)]
    stale = [r for r in results if r["indexed"] != r["expected_index"]]
    failed = [r for r in results if any(code != 0 for code in r["exit_codes"])]
    summary = {"runs": len(results), "imports_per_run": args.imports, "jitter_s": args.jitter}
    summary["stale_index_runs"] = len(stale)
    summary["failed_import_runs"] = len(failed)
    if args.json:
        print(json.dumps({"summary": summary, "results": results}))
    else:
        for r in results:
            mark = "" if r["indexed"] == r["expected_index"] else "  STALE"
            print(
                f"run {r['run']:>2}: exit {r['exit_codes']}  stored {r['stored']}  index {r['indexed']}/"
                f"{r['expected_index']}{mark}"
            )
        print(
            f"{summary['stale_index_runs']} of {summary['runs']} runs left a stale index; "
            f"{summary['failed_import_runs']} runs had a failed import"
        )
    return 1 if stale or failed else 0


if __name__ == "__main__":
    sys.exit(main())
