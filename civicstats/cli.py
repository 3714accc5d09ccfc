"""The ``civicstats`` command: argparse → the library's functions, no logic.

Exit codes: 0 success, 1 invalid data or a failed build, 2 wrong usage,
3 an unexpected internal error (reported in one line, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _print_table(frame, columns: list[str] | None = None) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200, "display.max_colwidth", 90):
        print((frame[columns] if columns else frame).to_string(index=False))


def cmd_datasets(args: argparse.Namespace) -> int:
    from civicstats.tables import datasets

    _print_table(datasets())
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from civicstats.analysis.audit import audit

    findings = audit(args.data, include_consistent=args.all)
    for rec in findings.itertuples(index=False):
        mark = "ok  " if rec.consistent else "DIFF"
        print(f"{mark} {rec.check} [{rec.dataset}] {rec.message} [{rec.sources}]")
    disagreements = int((~findings["consistent"].astype(bool)).sum())
    print(f"{disagreements} disagreement{'s' if disagreements != 1 else ''} between sources"
          + (f", {len(findings) - disagreements} consistent checks" if args.all else ""))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import warnings

    from civicstats.check import check

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check(args.path, table=args.table)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    for line in report.problem_lines():
        print(line, file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def cmd_build(args: argparse.Namespace) -> int:
    from civicstats.build import build
    from civicstats.site import EDITIONS

    result = build(data=args.data, out=args.out, lang=args.lang, jobs=args.jobs, force=args.force,
                   editions=EDITIONS)  # the reports in every language (reports/, reports/fr/)
    if not result.ok:
        print(f"build failed ({len(result.failed)} notebook{'s' if len(result.failed) != 1 else ''}): "
              "nothing was written, earlier outputs are unchanged", file=sys.stderr)
        return 1
    print(f"built {len(result.built)}, up to date {len(result.skipped)}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from civicstats.workbook import write_template

    path = write_template(args.path, overwrite=args.force)
    print(f"wrote {path}: fill it in (its README sheet says how), then run: civicstats check {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="civicstats",
        description="Civic tech in French local authorities (2018 survey) and its context: data, checks, reports.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("datasets", help="list the tables with their size and sources")
    s.set_defaults(func=cmd_datasets)

    s = sub.add_parser("audit", help="list where the sources disagree with each other")
    s.add_argument("--data", type=Path, help="audit updated data (workbook, CSV folder or file)")
    s.add_argument("--all", action="store_true", help="also list the checks that agree")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("check", help="check a workbook, a folder of CSV files or a CSV file")
    s.add_argument("path", type=Path, help="the file or folder to check")
    s.add_argument("--table", help="the table a CSV file holds (default: from its file name)")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("build", help="execute every notebook and write figures and HTML reports")
    s.add_argument("--data", type=Path, help="updated data to build on (default: the shipped data)")
    s.add_argument("--out", type=Path, help="output folder (required with --data)")
    s.add_argument("--lang", choices=["en", "fr"], default="en", help="language of charts (default en)")
    s.add_argument("--jobs", type=int, help="notebooks executed at once (default: two per core)")
    s.add_argument("--force", action="store_true", help="rebuild even what is up to date")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("template", help="write the data-entry workbook, prefilled with the shipped data")
    s.add_argument("path", type=Path, help="where to write it (.xlsx)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_template)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from civicstats.errors import DataError

    try:
        return args.func(args)
    except DataError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found; nothing was written",
              file=sys.stderr)
        return 1
    except (FileExistsError, FileNotFoundError, ValueError, KeyError) as exc:
        print(f"civicstats {args.command}: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises never to show a traceback
        print(f"civicstats {args.command}: internal error: {type(exc).__name__}: {exc} "
              "(please report it with the file that caused it)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
