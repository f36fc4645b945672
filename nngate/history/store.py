"""The history store: every recorded run and its benchmarks' results, in one SQL database named by a
SQLAlchemy URL (`sqlite:///PATH`, `postgresql://USER@HOST/DB`).

One schema, created and versioned here: `nnbench_schema` holds the versions the tables have been at;
an older store is brought up to this version in place (UPGRADES, under the write lock), and a store
written by a newer version is refused in one line rather than misread. A run is
written in one transaction under an id derived from its content (nngate.history.documents), so the
same run recorded twice is stored once; two processes recording at once both land, because every
write transaction takes the store's write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
advisory transaction lock).
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, exc

from nngate.runtime.git import ignore_in_checkout
from nngate.runtime.processes import HISTORY_VARIABLE

SCHEMA_VERSION = 2
# What brings a store from the version before each key to that version. 2: runs.round_robin.
UPGRADES = {2: "ALTER TABLE runs ADD COLUMN round_robin VARCHAR(32)"}
DEFAULT_FILE = Path(".benchmarks") / "history.sqlite"  # git-ignored: a machine's own runs
LOCK_WAIT_SECONDS = 60  # SQLite: how long a writer waits for another's transaction
ADVISORY_LOCK_KEY = 0x6E6E6265  # PostgreSQL: "nnbe", the one lock every writer of a store takes

metadata = sa.MetaData()
schema_table = sa.Table("nnbench_schema", metadata, sa.Column("version", sa.Integer, nullable=False))
runs_table = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # a hash of the run's content
    sa.Column("recorded_at", sa.String(40), nullable=False),  # ISO 8601, UTC: when it entered the store
    sa.Column("run_time", sa.String(40)),  # the document's own datetime
    sa.Column("source", sa.String(400), nullable=False),  # "pytest" or the imported file's name
    sa.Column("commit_sha", sa.String(64)),
    sa.Column("commit_parents", sa.String(1000)),  # the parents' shas, first parent first, space apart
    sa.Column("commit_time", sa.String(40)),
    sa.Column("branch", sa.String(300)),
    sa.Column("dirty", sa.Boolean),
    sa.Column("machine_key", sa.String(16), nullable=False, index=True),  # hash of the machine part
    sa.Column("machine", sa.Text, nullable=False),  # JSON: the fingerprint's machine part
    sa.Column("environment", sa.Text, nullable=False),  # JSON: its environment part (torch, BLAS, Python)
    sa.Column("cpu_model", sa.String(300)),
    # a backfill's round robin the run was timed in: runs sharing one were timed side by side, slot for
    # slot, so what the machine did meanwhile is common to them (nngate.history.changes removes it)
    sa.Column("round_robin", sa.String(32)),
)
results_table = sa.Table(
    "results",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("name", sa.String(500), primary_key=True),  # the benchmark's pytest name
    sa.Column("architecture", sa.String(100)),
    sa.Column("config", sa.Text),  # JSON
    sa.Column("batch_size", sa.Integer),
    sa.Column("dtype", sa.String(20)),
    sa.Column("device", sa.String(40)),
    sa.Column("threads", sa.Integer),
    sa.Column("variant", sa.String(40)),
    sa.Column("mode", sa.String(20)),
    sa.Column("score", sa.Float, nullable=False),  # seconds: the q1 round time, what the gate compares
    sa.Column("stats", sa.Text, nullable=False),  # JSON: pytest-benchmark's stats, without the rounds
    sa.Column("process_scores", sa.Text),  # JSON list: a baseline's score in each recording process
    sa.Column("instructions", sa.Float),
    sa.Column("params", sa.BigInteger),
    sa.Column("macs", sa.BigInteger),
    sa.Column("verdict", sa.String(300)),  # the gate's, where it judged
)


class HistoryError(Exception):
    """A problem with the store or its input, said in one line."""


@dataclass(frozen=True)
class Run:
    id: str
    recorded_at: str
    run_time: str | None
    source: str
    commit_sha: str | None
    commit_parents: str | None
    commit_time: str | None
    branch: str | None
    dirty: bool | None
    machine_key: str
    machine: str
    environment: str
    cpu_model: str | None
    round_robin: str | None = None


@dataclass(frozen=True)
class Result:
    name: str
    architecture: str | None
    config: str | None
    batch_size: int | None
    dtype: str | None
    device: str | None
    threads: int | None
    variant: str | None
    mode: str | None
    score: float
    stats: str
    process_scores: str | None
    instructions: float | None
    params: int | None
    macs: int | None
    verdict: str | None


def store_url(option: str | None, rootdir: Path) -> str:
    """`--history`'s URL where one was given, else $NNBENCH_HISTORY, else the default file under rootdir."""
    return option or os.environ.get(HISTORY_VARIABLE) or f"sqlite:///{rootdir / DEFAULT_FILE}"


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


class Store:
    """One history database, its schema created or checked on opening."""

    def _check_file(self, path: Path, must_exist: bool) -> None:
        if must_exist and not path.is_file():
            raise HistoryError(
                f"history: no store at {path}: nothing recorded there yet (pytest bench --history, or history import)"
            )
        if not path.parent.is_dir():
            if path.parent.name != DEFAULT_FILE.parent.name:  # only the default's folder, beside the baselines
                raise HistoryError(
                    f"history: the folder {path.parent} does not exist: create it, or name another store"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # a machine's own runs: created here, so kept out of the repository's commits
            ignore_in_checkout(path)

    def __init__(self, url: str, must_exist: bool = False) -> None:
        """`must_exist`: a reader (history show) of a SQLite file that is not there fails in one line
        rather than create an empty one. A SQLite file's folder is created only where it is the default
        (`.benchmarks/`); a folder named by hand that is not there is a typo that would split the history."""
        self.url = url
        try:
            parsed = sa.engine.make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
                self._check_file(Path(parsed.database), must_exist)
            self._engine = sa.create_engine(parsed, **self._engine_options(parsed))
        except ImportError as error:
            raise HistoryError(
                f"history: {_without_password(url)!r} needs a database driver that is not installed "
                f"({_first_line(error)}): pip install 'nnbench[postgresql]'"
            ) from None
        except (exc.ArgumentError, exc.NoSuchModuleError) as error:
            raise HistoryError(
                f"history: {_without_password(url)!r} is not a store this can open ({_first_line(error)}): "
                "use sqlite:///PATH or postgresql://USER@HOST/DB"
            ) from None
        self.shown_url = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self._engine, "connect", _sqlite_transactions_by_hand)
            event.listen(self._engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        self._prepare()

    @staticmethod
    def _engine_options(parsed) -> dict:
        if parsed.get_backend_name() == "sqlite":
            return {"connect_args": {"timeout": LOCK_WAIT_SECONDS}}
        return {"pool_pre_ping": True}

    @contextmanager
    def _writing(self):
        """A transaction that holds the store's write lock from its first statement."""
        with self._engine.begin() as connection:
            if self._engine.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            yield connection

    def _prepare(self) -> None:
        try:
            with self._writing() as connection:
                metadata.create_all(connection)
                versions = connection.execute(sa.select(schema_table.c.version)).scalars().all()
                if not versions:
                    connection.execute(sa.insert(schema_table).values(version=SCHEMA_VERSION))
                elif max(versions) > SCHEMA_VERSION:
                    raise HistoryError(
                        f"history: {self.shown_url} was written by a newer nnbench (schema {max(versions)}; "
                        f"this one reads up to {SCHEMA_VERSION}): upgrade nnbench to read it"
                    )
                for version in range(max(versions, default=SCHEMA_VERSION) + 1, SCHEMA_VERSION + 1):
                    connection.execute(sa.text(UPGRADES[version]))
                    connection.execute(sa.insert(schema_table).values(version=version))
        except exc.SQLAlchemyError as error:
            raise HistoryError(f"history: cannot open {self.shown_url}: {_first_line(error)}") from None

    def record(self, run: Run, results: list[Result]) -> bool:
        """Store a run and its results in one transaction; False where that run is stored already."""
        try:
            with self._writing() as connection:
                known = connection.execute(sa.select(runs_table.c.id).where(runs_table.c.id == run.id)).first()
                if known is not None:
                    return False
                connection.execute(sa.insert(runs_table).values(**asdict(run)))
                if results:
                    connection.execute(sa.insert(results_table), [{"run_id": run.id, **asdict(r)} for r in results])
        except exc.SQLAlchemyError as error:
            raise HistoryError(f"history: the run was not recorded in {self.shown_url}: {_first_line(error)}") from None
        return True

    def rows(self) -> list[dict]:
        """Every result with its run's columns, as dicts."""
        query = sa.select(results_table, *[c for c in runs_table.c if c.name != "id"]).join(
            runs_table, runs_table.c.id == results_table.c.run_id
        )
        try:
            with self._engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(query)]
        except exc.SQLAlchemyError as error:
            raise HistoryError(f"history: cannot read {self.shown_url}: {_first_line(error)}") from None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *raised) -> None:
        self.close()


def _sqlite_transactions_by_hand(dbapi_connection, _record) -> None:
    # pysqlite begins transactions lazily and never as IMMEDIATE; with its own handling off, the
    # "begin" listener opens each one holding the write lock (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
