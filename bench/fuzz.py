"""The reader fuzz properties of tests/test_fuzz_readers.py, run long: 10,000 examples each;
also the malformed PDF-list and press-release-page families of tests/test_fuzz_pdf_html.py.

    python bench/fuzz.py                  # 10,000 examples per property
    python bench/fuzz.py --examples 50000 --only random_bytes
    python bench/fuzz.py --only hostile_workbooks --examples 2000   # the hostile-workbook family

CI runs the same properties with ZENREI_FUZZ_EXAMPLES (default 100). This prints, per
property, how many tables were written and read, how long it took, and the first failure
(Hypothesis's minimal falsifying example) if any. Exit code 1 when a property failed.

The hostile-workbook family (tests/test_fuzz_import.py: bombs, a lying zip directory, no
worksheet, broken XML, formulas and cached formula values, huge cells, far rows) runs a third
of --examples, as CI does, and prints how many workbooks of each kind it tried.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The 1 MB property writes a megabyte per example; it runs a fifteenth of the others' count.
PROPERTIES = (
    "test_random_bytes_are_read_or_refused_with_file_and_line",
    "test_malformed_delimited_tables_in_any_encoding_are_read_or_refused",
    "test_malformed_jsonl_tables_in_any_encoding_are_read_or_refused",
    "test_a_nul_byte_anywhere_is_refused_on_its_line",
    "test_a_cell_over_one_megabyte_is_refused_on_its_line_and_one_just_under_is_read",
    "test_a_table_without_the_description_column_names_the_missing_column",
    "test_a_japanese_table_reads_the_same_in_utf8_utf16_and_shift_jis",
)
# Malformed PDF lists and press-release pages (tests/test_fuzz_pdf_html.py); a damaged PDF
# takes pdfminer ~0.1 s, so these run at a tenth of --examples.
PDF_HTML_PROPERTIES = (
    "test_damaged_pdf_lists_give_a_report_and_store_nothing_on_problems",
    "test_malformed_press_pages_give_a_report_and_store_nothing_on_problems",
)
# Properties of tests/test_fuzz_import.py, counted by their own counters.
IMPORT_PROPERTIES = ("test_hostile_workbooks_are_refused_in_one_line_or_imported_whole",)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10_000, help="examples per property (default 10,000)")
    parser.add_argument("--only", help="run the properties whose name contains this")
    args = parser.parse_args()

    # Read by the test module at import: set before importing it.
    os.environ["ZENREI_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ["ZENREI_FUZZ_NO_DB"] = "1"  # a long run should not fill .hypothesis/
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import test_fuzz_readers as readers

    failed = 0
    total = 0
    print(f"{'property':<82} {'tables':>8} {'seconds':>8}  result")
    runs = [(readers, name) for name in PROPERTIES]
    if not args.only or any(args.only in name for name in PDF_HTML_PROPERTIES):
        os.environ["ZENREI_FUZZ_EXAMPLES"] = str(max(90, args.examples * 3 // 10))  # the module takes a third
        import test_fuzz_pdf_html as pdf_html

        os.environ["ZENREI_FUZZ_EXAMPLES"] = str(args.examples)
        runs += [(pdf_html, name) for name in PDF_HTML_PROPERTIES]
    for module, name in runs:
        if args.only and args.only not in name:
            continue
        before = sum(module.READS.values())
        start = time.perf_counter()
        try:
            getattr(module, name)()
            result = "ok"
        except Exception as exc:  # report every property, not just the first failure
            failed += 1
            result = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            traceback.print_exc()
        count = sum(module.READS.values()) - before
        total += count
        print(f"{name:<82} {count:>8,} {time.perf_counter() - start:>8.1f}  {result}", flush=True)
    import test_fuzz_import as import_properties

    for name in IMPORT_PROPERTIES:
        if args.only and args.only not in name:
            continue
        before = sum(import_properties.HOSTILE_CASES.values())
        start = time.perf_counter()
        try:
            getattr(import_properties, name)()
            result = "ok"
        except Exception as exc:
            failed += 1
            result = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            traceback.print_exc()
        count = sum(import_properties.HOSTILE_CASES.values()) - before
        total += count
        print(f"{name:<82} {count:>8,} {time.perf_counter() - start:>8.1f}  {result}", flush=True)
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(import_properties.HOSTILE_CASES.items()))
        print(f"  workbooks by kind: {kinds}")
    print(f"{'total':<82} {total:>8,}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
