"""The history store: one run stored once, in one transaction, from any number of processes; its
schema versioned; every bad URL or document said in one line."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import sqlalchemy as sa

from nngate.history.documents import run_of
from nngate.history.store import SCHEMA_VERSION, HistoryError, Store, results_table, schema_table

from history_documents import document
from repository import git


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


def test_a_run_is_stored_once_whichever_document_of_it_is_recorded(tmp_path):
    saved = document("a" * 40, {"test_a": 1e-3, "test_b": 2e-3})
    # pytest-benchmark writes each document of a session with its own datetime and rounds or not
    written_again = {**saved, "datetime": "2026-12-02T00:00:00"}
    written_again["benchmarks"] = [
        {**b, "stats": {k: v for k, v in b["stats"].items() if k != "data"}} for b in saved["benchmarks"]
    ]
    with Store(sqlite_url(tmp_path)) as store:
        assert store.record(*run_of(saved, "first")) is True
        assert store.record(*run_of(written_again, "second")) is False
        rows = store.rows()
    assert sorted((row["name"], row["score"]) for row in rows) == [
        ("bench/test_latency.py::test_a", 1e-3),
        ("bench/test_latency.py::test_b", 2e-3),
    ]
    assert {row["source"] for row in rows} == {"first"}


def test_another_measurement_is_another_run(tmp_path):
    with Store(sqlite_url(tmp_path)) as store:
        assert store.record(*run_of(document("a" * 40, {"test_a": 1e-3}), "one"))
        assert store.record(*run_of(document("a" * 40, {"test_a": 1.01e-3}), "two"))
        assert len(store.rows()) == 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"benchmarks": "no"}, "is not a pytest-benchmark document"),
        ([1, 2], "is not a pytest-benchmark document"),
        ({**document("a" * 40, {"test_a": 1e-3}), "machine_info": {}}, "names no machine"),
    ],
)
def test_a_document_that_is_not_ours_is_one_line(bad, message):
    with pytest.raises(HistoryError, match=message) as raised:
        run_of(bad, "file.json")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuch://x/y", "is not a store this can open"),
        ("not a url", "is not a store this can open"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot open"),
    ],
)
def test_a_store_that_cannot_be_opened_is_one_line(url, message):
    with pytest.raises(HistoryError, match=message) as raised:
        Store(url)
    assert "\n" not in str(raised.value)


def test_a_store_written_by_a_newer_schema_is_refused_not_misread(tmp_path):
    url = sqlite_url(tmp_path)
    Store(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.update(schema_table).values(version=SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(HistoryError, match=f"newer nnbench \\(schema {SCHEMA_VERSION + 1}; this one reads up to"):
        Store(url)


def written_at_schema_1(url: str) -> None:
    """A store as schema 1 left it (no runs.round_robin), holding one run."""
    Store(url).close()
    run, results = run_of(document("a" * 40, {"test_a": 1e-3}), "schema 1")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE runs DROP COLUMN round_robin"))
        connection.execute(sa.update(schema_table).values(version=1))
        columns = {key: value for key, value in dataclasses.asdict(run).items() if key != "round_robin"}
        connection.execute(sa.insert(sa.table("runs", *map(sa.column, columns))).values(**columns))
        connection.execute(sa.insert(results_table), [{"run_id": run.id, **dataclasses.asdict(r)} for r in results])
    engine.dispose()


def upgraded_in_place(url: str) -> None:
    written_at_schema_1(url)
    run, results = run_of(document("b" * 40, {"test_a": 2e-3}), "schema 2")
    with Store(url) as store:
        assert store.record(dataclasses.replace(run, round_robin="r1"), results)
        round_robins = {row["source"]: row["round_robin"] for row in store.rows()}
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        versions = connection.execute(sa.select(schema_table.c.version)).scalars().all()
    engine.dispose()
    assert round_robins == {"schema 1": None, "schema 2": "r1"}
    assert sorted(versions) == [1, *range(2, SCHEMA_VERSION + 1)]


def test_a_schema_1_store_is_upgraded_in_place_keeping_its_runs(tmp_path):
    upgraded_in_place(sqlite_url(tmp_path))


RECORDER = """
import json, sys
from nngate.history.documents import run_of
from nngate.history.store import Store
with Store(sys.argv[1]) as store:
    for line in sys.stdin:
        store.record(*run_of(json.loads(line), "process"))
"""


def record_at_once(url: str, processes: int, runs: int) -> None:
    """`processes` processes each record `runs` runs of their own, all at once."""
    started = [
        subprocess.Popen([sys.executable, "-c", RECORDER, url], stdin=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    for index, process in enumerate(started):
        lines = [
            json.dumps(document(f"{index:040x}", {"test_a": 1e-3 * (1 + run / 100 + index / 10)}))
            for run in range(runs)
        ]
        process.stdin.write("\n".join(lines) + "\n")
    for process in started:
        process.stdin.close()
    assert [process.wait(timeout=300) for process in started] == [0] * processes


@pytest.mark.integration
def test_processes_recording_at_once_into_sqlite_all_land(tmp_path):
    url = sqlite_url(tmp_path)  # no store yet: both create it at once too
    record_at_once(url, processes=2, runs=10)
    with Store(url) as store:
        assert len({row["run_id"] for row in store.rows()}) == 20


def test_processes_recording_at_once_into_postgresql_all_land_and_read_back(postgresql_url):
    record_at_once(postgresql_url, processes=2, runs=10)
    with Store(postgresql_url) as store:
        rows = store.rows()
    assert len({row["run_id"] for row in rows}) == 20
    assert {row["cpu_model"] for row in rows} == {"Test CPU"}


def test_a_schema_1_postgresql_store_is_upgraded_in_place_keeping_its_runs(postgresql_url):
    engine = sa.create_engine(postgresql_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:  # a database of its own: the server is the session's
        connection.execute(sa.text("CREATE DATABASE schema_upgrade"))
    engine.dispose()
    upgraded_in_place(sa.engine.make_url(postgresql_url).set(database="schema_upgrade").render_as_string(False))


def test_a_sqlite_file_in_a_folder_that_does_not_exist_is_one_line_and_creates_nothing(tmp_path):
    missing = tmp_path / "typo" / "deeper" / "h.db"
    with pytest.raises(HistoryError, match=r"^history: the folder .*typo/deeper does not exist"):
        Store(f"sqlite:///{missing}")
    assert not (tmp_path / "typo").exists()


def test_the_default_store_creates_its_benchmarks_folder(tmp_path):
    with Store(f"sqlite:///{tmp_path / '.benchmarks' / 'history.sqlite'}") as store:
        assert store.rows() == []
    assert (tmp_path / ".benchmarks" / "history.sqlite").is_file()


def test_showing_a_store_that_is_not_there_is_one_line_and_creates_no_file(tmp_path, capsys, monkeypatch):
    from nngate.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["history", "--history", f"sqlite:///{tmp_path / 'h.db'}", "show"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"history: no store at {tmp_path / 'h.db'}: nothing recorded there yet "
        "(pytest bench --history, or history import)"
    )
    assert not (tmp_path / "h.db").exists()


def test_a_run_saved_before_fingerprints_joins_its_machine_by_pytest_benchmarks_cpu_record():
    """This repository's own 0001 (Intel Xeon, saved before nnbench recorded a fingerprint) imports,
    and this machine read through pytest-benchmark's record is the machine its fingerprint names."""
    from pytest_benchmark.plugin import pytest_benchmark_generate_machine_info

    from nngate.history.documents import machine_key
    from nngate.runtime.machine import fingerprint, machine_part_from_cpu_info

    saved = json.loads(next(Path(__file__).parents[1].glob(".benchmarks/*/0001_*.json")).read_text())
    run, results = run_of(saved, "0001")
    assert run.cpu_model == "Intel(R) Xeon(R) Processor" and json.loads(run.machine)["isa"] == "AVX512"
    assert results and all(result.process_scores is None for result in results)  # theirs were unitless
    saved_seconds = {b["fullname"]: b["extra_info"]["gate_seconds"] for b in saved["benchmarks"]}
    assert {result.name: result.score for result in results} == saved_seconds
    here = machine_part_from_cpu_info({"machine_info": pytest_benchmark_generate_machine_info()})
    assert machine_key(here) == machine_key(asdict(fingerprint().machine))


def test_a_store_created_in_a_checkout_is_git_ignored_where_it_is_created(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / ".benchmarks").mkdir()
    (tmp_path / ".benchmarks" / ".gitignore").write_text("/scratch")  # a user's own line, no newline at its end
    url = f"sqlite:///{tmp_path / '.benchmarks' / 'history.sqlite'}"
    with Store(url) as store:
        store.record(*run_of(document("a" * 40, {"test_a": 1e-3}), "one"))
    with Store(url):  # opened again: nothing added twice
        pass
    assert (tmp_path / ".benchmarks" / ".gitignore").read_text() == "/scratch\n/history.sqlite*\n"
    assert git(tmp_path, "status", "--porcelain", "--untracked-files=all").strip() == "?? .benchmarks/.gitignore"


def test_a_store_outside_a_checkout_or_already_ignored_writes_no_gitignore(tmp_path):
    with Store(sqlite_url(tmp_path)):
        pass
    assert not list(tmp_path.rglob(".gitignore"))
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    git(checkout, "init", "-q")
    (checkout / ".gitignore").write_text("*.sqlite\n")
    with Store(f"sqlite:///{checkout / 'runs.sqlite'}"):
        pass
    assert (checkout / ".gitignore").read_text() == "*.sqlite\n"
