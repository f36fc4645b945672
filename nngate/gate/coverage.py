"""Which selected benchmarks the gate judged, and what --gate-strict makes of the rest. Pure.

A benchmark is judged when it was timed and its verdict compares it with something: anything but
`new` and `not comparable`. Under --gate-strict a run passes only when every selected benchmark was
judged: a skipped benchmark (a device without a GPU, out of memory), one nothing was timed for
(--benchmark-disable), one the other side lacks and one with other settings (--threads, --dtype)
all fail it, each named, since a gate that passes what it did not judge is no gate.
"""

from __future__ import annotations

from collections.abc import Iterable

from nngate.gate.rules import BenchmarkVerdict
from nngate.gate.table import short_name
from nngate.schema import Verdict

UNJUDGED = (Verdict.NEW, Verdict.NOT_COMPARABLE)
NAMES_SHOWN = 3  # benchmarks named per reason; the rest are counted


PEDANTIC = "timed with benchmark.pedantic"


def unjudged(
    selected: Iterable[str], verdicts: list[BenchmarkVerdict] | None, pedantic_timed: set[str] = frozenset()
) -> dict[str, str]:
    """Each selected benchmark the gate did not judge, with why: "not timed", timed by the fixture
    with benchmark.pedantic (`pedantic_timed`: timed, but never judged), "new" or "not comparable"."""
    given = {verdict.name: verdict for verdict in verdicts or ()}
    reasons = {}
    for name in selected:
        verdict = given.get(name)
        if verdict is None:
            reasons[name] = PEDANTIC if name in pedantic_timed else "not timed"
        elif verdict.verdict in UNJUDGED:
            reasons[name] = verdict.text
    return reasons


def strict_failure(reasons: dict[str, str], selected: int) -> str:
    """The one line --gate-strict fails a run with, naming what was not judged and why."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in reasons.items():
        by_reason.setdefault(reason, []).append(short_name(name))
    parts = [
        f"{reason}: {', '.join(names[:NAMES_SHOWN])}"
        + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")
        for reason, names in by_reason.items()
    ]
    return (
        f"gate: --gate-strict: {len(reasons)} of {selected} selected benchmarks were not judged ({'; '.join(parts)}); "
        "the run fails"
    )
