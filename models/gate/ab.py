"""A/B mode: the base revision timed beside the working tree, on this machine, in this run.

Where no stored baseline was recorded on this machine (or when asked with --gate-base=REV), the
gate checks the base revision out into a temporary git worktree and times both sides in fresh
`pytest bench` processes, alternately (A B B A A B ...: each side goes first in every other pair),
so that both see the same moments of the machine. Every process of either side runs the same
selection of benchmarks in the same order, so a benchmark meets the same context on both sides.
(A first version paired this run's own timing with a fresh base process and timed undecided
benchmarks alone in later pairs: unchanged code then failed 1 of 3 runs here.) Each side runs its
own `models` package in the same environment; only the working tree gets --inject-slowdown.

The paired rule, per benchmark, with r = working-tree q1 / base q1 for each pair and L = 1 + threshold:
  * ok after 2 pairs when every r <= L ("faster" when the median r < 1 / L);
  * regression after 3 pairs when every r > L;
  * otherwise undecided: another pair of the whole selection is timed, up to the cap;
    at the cap, regression when the median r > L and every r > 1 (each pair slower).
The false-alarm rate this rule gave on unchanged code is in the README ("The gate").
"""
from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from models.gate.processes import fresh_pytest
from models.gate.rules import Verdict

MIN_PAIRS_OK, MIN_PAIRS_REGRESSION = 2, 3
DEFAULT_MAX_PAIRS = 5
# Fewer rounds per process than a plain run's 20: the pairs supply the repetition, and BERT's and
# ResNet18's rounds are most of a process's time.
SIDE_OPTIONS = ("-p", "models.plugin", "--benchmark-min-rounds=10")


class RevisionError(RuntimeError):
    """A base revision that cannot be found, checked out or run; the message is one line."""


def resolve_revision(rootdir: Path, revision: str) -> str:
    """The full commit id of `revision` (any git revision: a sha, a tag, HEAD~1)."""
    done = subprocess.run(["git", "-C", str(rootdir), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RevisionError(f"base revision {revision!r} is not a commit of the repository at {rootdir}")
    return done.stdout.strip()


@dataclass
class PairedTimes:
    """Each pair's q1 round times of one benchmark: (working tree, base)."""
    pairs: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [work / base for work, base in self.pairs]


def decide(ratios: list[float], threshold: float, max_pairs: int) -> str | None:
    """The paired rule (module docstring): "ok", "faster", "regression", or None (undecided)."""
    limit, n = 1 + threshold, len(ratios)
    if not ratios:
        return None
    median = statistics.median(ratios)
    within = "faster" if median < 1 / limit else "ok"
    if n >= MIN_PAIRS_OK and max(ratios) <= limit:
        return within
    if n >= MIN_PAIRS_REGRESSION and min(ratios) > limit:
        return "regression"
    if n >= max_pairs:
        return "regression" if median > limit and min(ratios) > 1 else within
    return None


def _q1_by_name(document: dict | None) -> dict[str, float]:
    """fullname -> q1 round time; pytest-benchmark writes stats.q1 in every version."""
    return {bench["fullname"]: bench["stats"]["q1"] for bench in (document or {}).get("benchmarks", [])
            if isinstance(bench, dict) and "fullname" in bench and bench.get("stats", {}).get("q1")}


@dataclass
class ABRunner:
    rootdir: Path  # the working tree
    commit: str  # the base revision, resolved
    options: list[str]  # pytest options both sides share (profile, device, dtype, threads)
    working_tree_options: list[str]  # options only the working tree gets (--inject-slowdown)
    threshold: float
    max_pairs: int = DEFAULT_MAX_PAIRS

    def _time(self, side: Path, names: list[str], extra: list[str]) -> dict[str, float]:
        # Node ids are relative to the root, so they name the same benchmarks on both sides.
        run = fresh_pytest([*names, *SIDE_OPTIONS, *self.options, *extra], side,
                           env={**os.environ, "PYTHONPATH": str(side)})
        times = _q1_by_name(run.document)
        if run.document is None or not times:
            where = "base revision " + self.commit[:12] if side != self.rootdir else "working tree"
            last = run.output.strip().splitlines()[-1] if run.output.strip() else "no output"
            raise RevisionError(f"the {where} could not time the benchmarks (pytest exit {run.status}: {last})")
        return times

    def run(self, names: list[str]) -> list[Verdict]:
        """Pairs of fresh processes over the benchmarks `names` (node ids), until each is decided."""
        with tempfile.TemporaryDirectory(prefix="nnbench-base-") as scratch:
            base = Path(scratch) / "base"
            added = subprocess.run(["git", "-C", str(self.rootdir), "worktree", "add", "--detach", "--quiet",
                                    str(base), self.commit], capture_output=True, text=True)
            if added.returncode != 0:
                raise RevisionError(f"cannot check out {self.commit[:12]} into a worktree: "
                                    f"{added.stderr.strip().splitlines()[-1] if added.stderr.strip() else 'git failed'}")
            try:
                return self._pairs(base, names)
            finally:
                subprocess.run(["git", "-C", str(self.rootdir), "worktree", "remove", "--force", str(base)],
                               capture_output=True)

    def _pairs(self, base: Path, names: list[str]) -> list[Verdict]:
        timed = {name: PairedTimes() for name in names}
        decided: dict[str, str] = {}
        missing_on_base: set[str] = set()
        for pair in range(1, self.max_pairs + 1):
            # ABBA: in every other pair the base goes first, so a drift favours neither side.
            order = ("work", "base") if pair % 2 else ("base", "work")
            samples = {side: (self._time(base, names, []) if side == "base"
                              else self._time(self.rootdir, names, self.working_tree_options)) for side in order}
            missing_on_base |= {name for name in names if name not in samples["base"]}
            for name in names:
                if name in samples["work"] and name in samples["base"]:
                    timed[name].pairs.append((samples["work"][name], samples["base"][name]))
                if name not in decided and (verdict := decide(timed[name].ratios, self.threshold, self.max_pairs)):
                    decided[name] = verdict
            if all(name in decided or name in missing_on_base for name in names):
                break
        verdicts = []
        for name in names:
            if not timed[name].pairs:
                verdicts.append(Verdict(name, "new", None, None, None, 1 + self.threshold))
                continue
            ratios = timed[name].ratios
            verdict = decided.get(name) or decide(ratios, self.threshold, len(ratios)) or "ok"
            works, bases = zip(*timed[name].pairs)
            verdicts.append(Verdict(name, verdict, statistics.median(bases), statistics.median(works),
                                    statistics.median(ratios), 1 + self.threshold, tuple(ratios)))
        return verdicts
