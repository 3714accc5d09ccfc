"""The ``civicstats`` command: argparse → the library's functions, no logic.

Exit codes follow the error hierarchy of :mod:`civicstats.errors`: 0 success;
1 invalid data (:class:`~civicstats.errors.DataError`) or a failed build;
2 wrong usage (argparse, :class:`~civicstats.errors.UsageError`); 4 the
environment (:class:`~civicstats.errors.OutputError`,
:class:`~civicstats.errors.SetupError`, an operating-system error); 3 anything
else, a bug, reported in one line with a request to report it, never a
traceback; 141 when the reader of the output stopped reading (``| head``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from civicstats.errors import escape

__all__ = ["EXIT_DATA", "EXIT_ENVIRONMENT", "EXIT_INTERNAL", "EXIT_PIPE", "EXIT_USAGE", "main", "parser"]

EXIT_DATA, EXIT_USAGE, EXIT_INTERNAL, EXIT_ENVIRONMENT, EXIT_PIPE = 1, 2, 3, 4, 141


#: Warnings printed by one command, at most; the rest are counted.
MAX_WARNINGS = 50


def _print_warnings(caught) -> None:
    """One escaped line per warning (a name from a file cannot forge a line), at most :data:`MAX_WARNINGS`."""
    for n, w in enumerate(caught):
        if n == MAX_WARNINGS:
            print(f"warning: {len(caught) - n:,} more warnings not shown", file=sys.stderr)
            break
        print(f"warning: {escape(w.message)}", file=sys.stderr)


def cmd_datasets(args: argparse.Namespace) -> int:
    import pandas as pd

    from civicstats.tables import datasets

    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200, "display.max_colwidth", 90):
        text = datasets(args.data).to_string(index=False)
    for line in text.splitlines():
        print(escape(line))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from civicstats.analysis.audit import KINDS, audit
    from civicstats.analysis.organisation_audit import organisation_audit
    from civicstats.labels import finding_text, text
    from civicstats.tables import load

    findings = audit(args.data, include_consistent=args.all)
    levels = load("levels", args.data)  # the labels of the levels audited
    for rec in findings.itertuples(index=False):
        mark = "ok  " if rec.consistent else "DIFF"
        print(escape(f"{mark} {rec.check} [{rec.dataset}] {finding_text(rec, 'en', levels)}"))
    kinds = findings["kind"].astype(str).value_counts()
    apart = int((~findings["consistent"].astype(bool)).sum())
    print(text("nb_finding_kinds", "en", n=apart, **{k: int(kinds.get(k, 0)) for k in KINDS[1:]})
          + (f" {len(findings) - apart} consistent checks." if args.all else ""))
    located = organisation_audit(args.data)  # the organisation-level part: the export against the official data
    for rec in located.fillna("–").itertuples(index=False):
        kind = rec.code.split(".")[1]
        if kind == "region-contradicts-departement" and rec.export == "–":  # the export gives no région at all
            kind = "region-missing"
        words = text("geo_" + kind, "en", **rec._asdict())
        print(escape(f"DIFF {rec.code} [open_data_organisations] {words}"))
    codes = located["code"].value_counts()
    print(text("geo_total", "en", n=len(located), region=int(codes.get("geography.region-contradicts-departement", 0)),
               departement=int(codes.get("geography.departement-contradicts-siren", 0))))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import warnings

    from civicstats.check import check

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check(args.path, table=args.table)
    _print_warnings(caught)
    for line in report.problem_lines():
        print(escape(line), file=sys.stderr)
    for line in report.summary_lines():  # escaped by the report itself
        print(line)
    return 0 if report.ok else 1


def cmd_build(args: argparse.Namespace) -> int:
    from civicstats.build import build
    from civicstats.paths import EDITIONS

    result = build(data=args.data, out=args.out, lang=args.lang, jobs=args.jobs, force=args.force,
                   log=lambda line: print(escape(line), flush=True), editions=EDITIONS)
    if not result.ok:
        print(f"build failed ({len(result.failed)} notebook{'s' if len(result.failed) != 1 else ''}): "
              "nothing was written, earlier outputs are unchanged", file=sys.stderr)
        return 1
    print(f"built {len(result.built)}, up to date {len(result.skipped)}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from civicstats.analysis.exports import compare_exports

    changes = compare_exports(args.old, args.new)
    for rec in changes.itertuples(index=False):
        what = f" {rec.field}: {rec.old!r} -> {rec.new!r}" if rec.change == "changed" else ""
        print(escape(f"{rec.change} {rec.siren}{what}"))
    counts = changes["change"].value_counts()
    faults = sorted(set(changes.loc[changes["likely_fault"], "field"]))
    print(f"{counts.get('added', 0)} added, {counts.get('removed', 0)} removed, "
          f"{changes.loc[changes['change'] == 'changed', 'siren'].nunique()} changed")
    for field in faults:
        print(escape(f"warning: {field} changes in most organisations: a likely layout or export fault, not news"),
              file=sys.stderr)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from civicstats.workbook import write_template

    path = write_template(args.path, overwrite=args.force)
    print(f"wrote {escape(path)}: fill it in (its README sheet says how), then run: civicstats check {path}")
    return 0


def _as_of(value: str) -> str:
    """``--as-of``: a date, checked here so that a typo is a usage error, not a problem of every export."""
    from civicstats.readers.observatory import DATE_PATTERN

    if not re.fullmatch(DATE_PATTERN, value.strip()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: write YYYY-MM or YYYY-MM-DD")
    return value.strip()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="civicstats",
        description="Civic tech in French local authorities (2018 survey) and its context: data, checks, reports.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dated = argparse.ArgumentParser(add_help=False)  # the commands that read updated data
    dated.add_argument("--as-of", metavar="DATE", type=_as_of,
                       help="the date (YYYY-MM or YYYY-MM-DD) of an observatory export whose file name holds none")

    s = sub.add_parser("datasets", parents=[dated], help="list the tables with their size and sources")
    s.add_argument("--data", type=Path, help="the tables as read from updated data, with where each comes from")
    s.set_defaults(func=cmd_datasets)

    s = sub.add_parser("audit", parents=[dated], help="list where the sources disagree with each other")
    s.add_argument("--data", type=Path, help="audit updated data (workbook, CSV folder or file)")
    s.add_argument("--all", action="store_true", help="also list the checks that agree")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("check", parents=[dated], help="check a workbook, a folder of CSV files or a CSV file")
    s.add_argument("path", type=Path, help="the file or folder to check")
    s.add_argument("--table", help="check only this table (for a CSV file: the table it holds, "
                   "default from its file name)")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("build", parents=[dated], help="execute every notebook and write figures and HTML reports")
    s.add_argument("--data", type=Path, help="updated data to build on (default: the shipped data)")
    s.add_argument("--out", type=Path, help="output folder (required with --data)")
    s.add_argument("--lang", choices=["en", "fr"], default="en", help="language of charts (default en)")
    s.add_argument("--jobs", type=int, help="notebooks executed at once (default: two per core)")
    s.add_argument("--force", action="store_true", help="rebuild even what is up to date")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("compare", help="list what changed between two observatory exports (either layout)")
    s.add_argument("old", type=Path, help="the older export (CSV)")
    s.add_argument("new", type=Path, help="the newer export (CSV)")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("template", help="write the data-entry workbook, prefilled with the shipped data")
    s.add_argument("path", type=Path, help="where to write it (.xlsx)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_template)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "as_of", None):  # read where an export is dated, in this process and the build's kernels
        from civicstats.readers.observatory import AS_OF_ENV

        before = os.environ.get(AS_OF_ENV)
        os.environ[AS_OF_ENV] = args.as_of
        try:
            return _run(args)
        finally:  # main() called in a longer process leaves its environment as it was
            del os.environ[AS_OF_ENV]
            if before is not None:
                os.environ[AS_OF_ENV] = before
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from civicstats.errors import CivicstatsError, DataError, UsageError

    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe is found here, not at exit
        return code
    except DataError as exc:
        for problem in exc.problems:
            print(escape(problem), file=sys.stderr)
        print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found; nothing was written",
              file=sys.stderr)
        return EXIT_DATA
    except (UsageError, FileExistsError) as exc:  # a file in the way: the command asks for --force
        print(f"civicstats {args.command}: {escape(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `civicstats audit | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python exits
        return EXIT_PIPE
    except (CivicstatsError, OSError) as exc:  # the environment (read-only folder, full disk), not the data
        reason = str(exc) if isinstance(exc, CivicstatsError) else (
            f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        print(f"civicstats {args.command}: {escape(reason)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises never to show a traceback
        print(f"civicstats {args.command}: internal error: {type(exc).__name__}: {escape(exc)} "
              "(a bug: please report it with the command and the file that caused it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
