"""How does a list's .xlsx writer (propertydesk.exports.write_list) hold up at a million rows?

Writes ``--rows`` rows of complaint-like cells (19 columns: numbers, moments, names, a
long description, money) as the background task writes a list, 2,000 at a time through
openpyxl's write-only mode, and prints the time, the rows per second, the file's size
and the process's peak memory (its largest resident set), beside the peak after the
first 10,000 rows: if the writer held the rows, the peak would grow with them.

    .venv/bin/python bench/export_rows.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propertydesk.settings")

import django  # noqa: E402

django.setup()

from propertydesk import exports  # noqa: E402

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class SyntheticRows(exports.Rows):
    filters = [("Estate", "翠湖花园")]

    def __init__(self, n: int):
        self.n = n

    def count(self, *, limit=None):
        return self.n

    def chunks(self, size=exports.CHUNK_ROWS):
        for start in range(0, self.n, size):
            yield [[f"CUIHU-TS2026-{i:07d}", T0 + timedelta(minutes=i), "翠湖花园", f"{i % 30 + 1}-1-{i % 3000:04d}",
                    "电话", "噪音", "一般", "已关闭", "秩序维护部", "陈丽华", T0 + timedelta(minutes=i, hours=48), "",
                    "", "", "李娜", "", "楼上每晚十点以后有拖动家具的声音，已持续一周，请尽快处理。",
                    T0 + timedelta(minutes=i, hours=20), Decimal("12.50")]
                   for i in range(start, min(self.n, start + size))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    export = exports.ListExport(name="complaints", title="Complaints", permission="", list_url="complaints:queue",
                                columns=tuple(exports.Column(str(i)) for i in range(19)), rows=None)
    marks = {}

    def progress(done: int) -> None:
        if done >= 10_000 and "10k" not in marks:
            marks["10k"] = peak_mb()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.xlsx"
        start, cpu = time.perf_counter(), time.process_time()
        written = exports.write_list(path, export, SyntheticRows(args.rows), now=T0, progress=progress)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = path.stat().st_size
    print(f"{written:,} rows × 19 columns in {seconds:.1f} s ({cpu:.1f} s CPU), {written / seconds:,.0f} rows/s; "
          f"file {size / 1e6:.1f} MB; peak memory {peak_mb():.0f} MB (after 10,000 rows: {marks.get('10k', 0):.0f} MB)")


if __name__ == "__main__":
    main()
