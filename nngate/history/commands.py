"""`nngate history {import,backfill,show}`: its parser and what each verb does. Every verb reads the
same store: --history URL, else $NNBENCH_HISTORY, else the default file under .benchmarks/."""

from __future__ import annotations

import argparse
import functools
import shlex
from pathlib import Path

from nngate.history import series as series_module
from nngate.history import show
from nngate.history.backfill import DEFAULT_AT_ONCE, Backfill, first_parent_range
from nngate.history.recording import import_files
from nngate.history.store import HistoryError, Store, store_url
from nngate.project import benchmark_paths
from nngate.runtime.git import head_first_parent_line
from nngate.runtime.processes import HISTORY_VARIABLE, interrupt_on_sigterm, node_ids
from nngate.runtime.scheduler import DEFAULT_SLOTS
from nngate.runtime.sides import DEFAULT_THREADS


def add_parser(verbs) -> None:
    history = verbs.add_parser("history", help="the store of every recorded run: import files, show series")
    history.add_argument(
        "--history",
        metavar="URL",
        default=None,
        help=f"the store (default: ${HISTORY_VARIABLE}, else sqlite:///.benchmarks/history.sqlite)",
    )
    actions = history.add_subparsers(dest="action", required=True, metavar="ACTION")
    importing = actions.add_parser(
        "import", help="pytest-benchmark JSON files: saved runs, --benchmark-json, baselines"
    )
    importing.add_argument("files", nargs="+", type=Path, metavar="FILE")
    filling = actions.add_parser("backfill", help="time each first-parent commit of A..B here and record it")
    filling.add_argument("range", metavar="A..B", help="the commits after A up to B, e.g. HEAD~12..HEAD")
    filling.add_argument("-k", dest="expression", metavar="EXPR", help="pytest's -k: the benchmarks to time")
    filling.add_argument(
        "--runs", type=int, default=3, metavar="N", help="round robins, each of fresh processes (default: 3)"
    )
    filling.add_argument(
        "--slots",
        type=int,
        default=DEFAULT_SLOTS,
        metavar="N",
        help=f"timed slots per commit and benchmark in a round robin (default: {DEFAULT_SLOTS})",
    )
    filling.add_argument(
        "--at-once",
        type=int,
        default=DEFAULT_AT_ONCE,
        metavar="N",
        help=f"commits timed together, a process each; a longer range goes in groups (default: {DEFAULT_AT_ONCE})",
    )
    filling.add_argument(
        "--pytest", default="", metavar="OPTIONS", help="more options for each run, shell-quoted (default: none)"
    )
    showing = actions.add_parser(
        "show", help="each benchmark's series per machine, in commit order, with change points"
    )
    showing.add_argument("-k", dest="expression", metavar="EXPR", help="pytest's -k over benchmark names")
    showing.add_argument(
        "--machine", metavar="TEXT", help="machines whose CPU model holds TEXT, or whose key starts so"
    )
    showing.add_argument("--markdown", action="store_true", help="Markdown tables instead of text")
    showing.add_argument("--plots", type=Path, metavar="DIR", help="also a PNG per series into DIR")


def _machine_filter(text: str | None):
    if not text:
        return lambda row: True
    return lambda row: row["machine_key"].startswith(text) or text.lower() in (row["cpu_model"] or "").lower()


def _import(arguments: argparse.Namespace, store: Store, rootdir: Path) -> int:
    lines, failed = import_files(store, arguments.files, rootdir)
    print("\n".join(lines))
    return 1 if failed else 0


def _backfill(arguments: argparse.Namespace, store: Store, rootdir: Path) -> int:
    interrupt_on_sigterm()  # a cancelled job unwinds as Ctrl-C does: no worktree or pytest is left behind
    commits = first_parent_range(rootdir, arguments.range)
    if arguments.runs < 1 or arguments.slots < 2 or arguments.at_once < 2:
        raise HistoryError("history: --runs must be at least 1, --slots and --at-once at least 2")
    options = shlex.split(arguments.pytest)
    selection = [*(["-k", arguments.expression] if arguments.expression else []), *options]
    names = node_ids(rootdir, [*benchmark_paths(rootdir), *selection])
    if not names:
        raise HistoryError(f"history: no benchmark here matches -k {arguments.expression!r}")
    print(
        f"history: backfill of {len(commits)} commit(s) x {len(names)} benchmark(s), {arguments.runs} run(s) "
        f"of {arguments.slots} round-robin slot(s) each, into {store.shown_url}",
        flush=True,
    )
    say = functools.partial(print, flush=True)
    filling = Backfill(store, rootdir, names, options, say, arguments.slots, arguments.at_once, threads_in(options))
    return 1 if filling.run(commits, arguments.runs) else 0


def threads_in(options: list[str]) -> int:
    """The --threads the sides are given in `options` (their default where none): they are timed on as many CPUs."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    return parser.parse_known_args(options)[0].threads


def _show(arguments: argparse.Namespace, store: Store, rootdir: Path) -> int:
    wanted = _machine_filter(arguments.machine)
    rows = [row for row in store.rows() if wanted(row)]
    order = head_first_parent_line(rootdir)
    found, left_out = series_module.build(rows, order, series_module.selector(arguments.expression))
    if not found:
        raise HistoryError(f"history: no benchmark in {store.shown_url} has a history matching the selection")
    print(
        f"history: {store.shown_url}; {len(found)} series; "
        + ("first-parent order of HEAD" if order else "commit-time order (no git)")
        + (f"; {left_out} run(s) at commits off HEAD's first-parent line left out" if left_out else "")
    )
    print("\n".join(show.as_markdown(found) if arguments.markdown else show.as_text(found)))
    for path in show.write_plots(found, arguments.plots) if arguments.plots else []:
        print(f"history: plot {path}")
    return 0


ACTIONS = {"import": _import, "backfill": _backfill, "show": _show}


def run(arguments: argparse.Namespace) -> int:
    rootdir = Path.cwd()
    with Store(store_url(arguments.history, rootdir), must_exist=arguments.action == "show") as store:
        return ACTIONS[arguments.action](arguments, store, rootdir)
