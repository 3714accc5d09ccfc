"""The ``civicstats`` command: argparse → the library's functions, no logic.

Exit codes: 0 success, 1 invalid data or a failed build, 2 wrong usage,
3 an unexpected internal error (reported in one line, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from civicstats.errors import escape


def _print_table(frame, columns: list[str] | None = None) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200, "display.max_colwidth", 90):
        text = (frame[columns] if columns else frame).to_string(index=False)
    for line in text.splitlines():
        print(escape(line))


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
    from civicstats.tables import datasets

    _print_table(datasets(args.data))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from civicstats.analysis.audit import audit
    from civicstats.labels import finding_text
    from civicstats.tables import load

    findings = audit(args.data, include_consistent=args.all)
    levels = load("levels", args.data)  # the labels of the levels audited
    for rec in findings.itertuples(index=False):
        mark = "ok  " if rec.consistent else "DIFF"
        print(escape(f"{mark} {rec.check} [{rec.dataset}] {finding_text(rec, 'en', levels)}"))
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
    _print_warnings(caught)
    for line in report.problem_lines():
        print(escape(line), file=sys.stderr)
    for line in report.summary_lines():  # escaped by the report itself
        print(line)
    return 0 if report.ok else 1


def cmd_build(args: argparse.Namespace) -> int:
    from civicstats.paths import EDITIONS
    from civicstats.uptodate import replay

    # nothing changed since the last build with these options: say so without loading the build
    # (not with --data: its check prints what it found; nor with a --jobs the build refuses)
    quick = not args.force and args.data is None and (args.jobs is None or args.jobs >= 1)
    labels = replay(args.data, args.out, args.lang, EDITIONS) if quick else None
    if labels is not None:
        for label in labels:
            print(escape(f"up to date {label}"))
        print(f"built 0, up to date {len(labels)}")
        return 0
    from civicstats.build import build

    result = build(data=args.data, out=args.out, lang=args.lang, jobs=args.jobs, force=args.force,
                   log=lambda line: print(escape(line), flush=True), editions=EDITIONS)
    if not result.ok:
        print(f"build failed ({len(result.failed)} notebook{'s' if len(result.failed) != 1 else ''}): "
              "nothing was written, earlier outputs are unchanged", file=sys.stderr)
        return 1
    print(f"built {len(result.built)}, up to date {len(result.skipped)}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from civicstats.workbook import write_template

    path = write_template(args.path, overwrite=args.force)
    print(f"wrote {escape(path)}: fill it in (its README sheet says how), then run: civicstats check {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="civicstats",
        description="Civic tech in French local authorities (2018 survey) and its context: data, checks, reports.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("datasets", help="list the tables with their size and sources")
    s.add_argument("--data", type=Path, help="the tables as read from updated data, with where each comes from")
    s.set_defaults(func=cmd_datasets)

    s = sub.add_parser("audit", help="list where the sources disagree with each other")
    s.add_argument("--data", type=Path, help="audit updated data (workbook, CSV folder or file)")
    s.add_argument("--all", action="store_true", help="also list the checks that agree")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("check", help="check a workbook, a folder of CSV files or a CSV file")
    s.add_argument("path", type=Path, help="the file or folder to check")
    s.add_argument("--table", help="check only this table (for a CSV file: the table it holds, "
                   "default from its file name)")
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
            print(escape(problem), file=sys.stderr)  # already escaped: escape() is idempotent on it
        print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found; nothing was written",
              file=sys.stderr)
        return 1
    except (FileExistsError, FileNotFoundError, ValueError, KeyError) as exc:
        print(f"civicstats {args.command}: {escape(exc.args[0] if exc.args else exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # the environment (read-only folder, full disk), not the data nor a bug
        reason = str(exc) if type(exc).__name__ == "OutputError" else (
            f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        print(f"civicstats {args.command}: {escape(reason)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises never to show a traceback
        print(f"civicstats {args.command}: internal error: {type(exc).__name__}: {escape(exc)} "
              "(please report it with the file that caused it)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
