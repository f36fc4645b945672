"""Putting runs into the store: a session's own document (`pytest bench --history`) and saved files
(`nngate history import FILE...`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from nngate.history.documents import run_of
from nngate.history.store import HistoryError, Store
from nngate.result_files import UnreadableFile, read_json
from nngate.runtime.git import parents_of


def record_document(store: Store, document: dict, source: str, rootdir: Path, round_robin: str | None = None) -> str:
    """Store one document's run (a backfill's: with the round robin it was timed in): the line that
    says what happened."""
    sha = (document.get("commit_info") or {}).get("id") if isinstance(document, dict) else None
    run, results = run_of(document, source, parents_of(rootdir, sha) if sha else None)
    run = dataclasses.replace(run, round_robin=round_robin)
    stored = store.record(run, results)
    what = f"{len(results)} result(s) of run {run.id[:12]} (commit {(run.commit_sha or 'unversioned')[:12]})"
    return f"history: {'recorded' if stored else 'already stored:'} {what} in {store.shown_url}"


def import_files(store: Store, paths: list[Path], rootdir: Path) -> tuple[list[str], int]:
    """Import each file, one line each; and how many could not be (missing, not JSON, not ours)."""
    lines, failed = [], 0
    for path in paths:
        try:
            document = read_json(path)
            lines.append(record_document(store, document, path.name, rootdir) + f" (from {path})")
        except UnreadableFile as error:
            failed += 1
            lines.append(f"history: {path} was not imported: {error.reason}")
        except HistoryError as error:
            failed += 1
            lines.append(str(error))
    return lines, failed
