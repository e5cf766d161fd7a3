"""How long a PDF batch list takes to read: the seed drawn as a PDF list, and ten times the seed.

    python bench/pdf_import.py [--repeat 5]

Prints pages, incidents and the median seconds of `importer.validate` (parse + validation) per
file and per page. The data page reads each upload once (cached by content hash).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import pdfplumber
    from conftest import SEED
    from pdf_layouts import list_pdf, seed_rows

    from assistant.importer import validate

    title, header, rows = seed_rows(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        for name, copies in (("seed.pdf", 1), ("seed_x10.pdf", 10)):
            path = list_pdf(Path(tmp) / name, [(title, header, rows * copies)])
            with pdfplumber.open(path) as pdf:
                pages = len(pdf.pages)
            seconds = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                report = validate(path)
                seconds.append(time.perf_counter() - start)
            median = statistics.median(seconds)
            print(
                f"{name:<14} {pages:>3} pages {len(report.incidents):>4} incidents  "
                f"median {median:.2f} s  ({median / pages:.2f} s/page)  problems: {len(report.problems)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
