"""Time the pages, the API lists and the jobs on the data in the database against their
floor (see demo/benchmark.py); prints one table and writes JSON."""

from __future__ import annotations

import logging
import os
import subprocess

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from demo import benchmark


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=5).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


class Command(BaseCommand):
    help = "Time every page, API list and job on a large data set (seed_scale) against its floor."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", help="only the operations whose name contains one of these words")
        parser.add_argument("--no-jobs", action="store_true", help="pages and API lists only")
        parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
        parser.add_argument("--budget", type=float, default=15.0,
                            help="seconds per page after which it stops repeating (at least 5 runs)")
        parser.add_argument("--job-runs", type=int, default=3, help="timed runs per job (default 3)")
        parser.add_argument("--json", default="benchmark.json", help="where to write the figures")

    def handle(self, *args, only, no_jobs, runs, budget, job_runs, json, **options):
        logging.getLogger("axes").setLevel(logging.WARNING)   # a line per force_login otherwise
        self.stdout.write(f"benchmark: commit {_commit()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        self.stdout.write(f"targets: pages and API lists median < {benchmark.PAGE_TARGET_MS:.0f} ms and SQL "
                          f"<= {benchmark.FLOOR_RATIO_PAGE:.0f}x floor; jobs <= {benchmark.FLOOR_RATIO_JOB:.0f}x floor")
        self.stdout.write(benchmark.HEADER)
        # The test client's host name; production security settings stay as configured.
        with override_settings(ALLOWED_HOSTS=["localhost"]):
            results, meta = benchmark.run(only=only, skip_jobs=no_jobs, runs=runs, budget_s=budget,
                                          job_runs=job_runs, log=self.stdout.write)
        meta["commit"] = _commit()
        meta["load_average_after"] = os.getloadavg()
        benchmark.write_json(json, results, meta)
        misses = [r for r in results if r.verdict() != "ok"]
        self.stdout.write(f"{len(results)} operations, {len(misses)} miss a target; DEBUG={meta['debug']}; "
                          f"caches: {meta['caches']}; rows: "
                          + ", ".join(f"{k} {v:,}" for k, v in sorted(meta["rows"].items())))
        self.stdout.write(f"load average after {' '.join(f'{x:.2f}' for x in meta['load_average_after'])}; "
                          f"JSON written to {json}")
