"""Run every benchmark and print its tables, each followed by a ``BENCH {json}``
line (bench.report).

    python -m bench [--only acd|setup|search|tickets] [--tickets N]
"""

from __future__ import annotations

import argparse
import sys

TABLES = ("acd", "setup", "tickets", "search")


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--only", choices=TABLES, help="run one table")
    p.add_argument("--tickets", type=int, default=1_000_000,
                   help="tickets in the search table (default 1,000,000)")
    a = p.parse_args(argv)
    todo = (a.only,) if a.only else TABLES
    if "acd" in todo:
        from bench import bench_acd

        bench_acd.main()
    if "setup" in todo:
        import tempfile

        from bench import bench_setup

        # py-spy (--gil, not pausing the engine) for the split of its CPU by part
        with tempfile.TemporaryDirectory(prefix="kontakt-profile-") as profile:
            bench_setup.main(["--profile", profile])
    if "tickets" in todo:
        from bench import bench_tickets

        print()
        bench_tickets.main(["--only", "writes"])
    if "search" in todo:
        from bench import bench_search

        print()
        bench_search.main(["--tickets", str(a.tickets)])


if __name__ == "__main__":
    main(sys.argv[1:])
