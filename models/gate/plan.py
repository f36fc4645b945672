"""What the gate compares with, chosen once before anything is timed: a type per mode.

    NoComparison  nothing to compare with, and why (under --gate-strict the run fails)
    StoredPlan    a committed baseline recorded on this machine (same fingerprint's machine part)
    ABPlan        a base revision, timed beside the working tree in this run, and why it was chosen

The choice, in order: --gate-base=REV is A/B against REV; --gate=BASELINE is that baseline, which
must have been recorded on this machine; plain --gate is the newest committed baseline of this
machine, else A/B against the commit that recorded the newest baseline. A baseline or revision
that was named and cannot be used is a GateUsageError (one line), never a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from models.gate.baselines import (
    BaselineError,
    extra_info_by_name,
    load_document,
    matching_baseline,
    named_baseline,
    recording_commit,
    saved_baselines,
)
from models.gate.machine import Fingerprint, environment_changes, machine_part_of
from models.gate.options import GateOptions
from models.gate.worktree import RevisionError, resolve_revision
from models.schema import GateMode


class GateUsageError(RuntimeError):
    """What was named for the gate cannot be used; one line, and pytest exits with a usage error."""


@dataclass(frozen=True)
class NoComparison:
    reason: str  # the line the summary prints


@dataclass(frozen=True)
class StoredPlan:
    path: Path
    baseline: dict[str, dict]  # fullname -> the baseline's extra_info
    environment_changes: tuple[str, ...]  # "torch 2.13.0 -> 2.14.1": compared all the same, and said
    mode = GateMode.STORED

    def describe(self, machine: Fingerprint) -> str:
        changed = f"; environment changed since: {', '.join(self.environment_changes)}"
        return f"mode stored: {self.path}, recorded on {machine.describe()}" + (
            changed if self.environment_changes else ""
        )


@dataclass(frozen=True)
class ABPlan:
    commit: str  # the base revision, resolved
    why: str  # how it was chosen: "--gate-base=REV", or the baseline whose commit it is
    mode = GateMode.AB

    def describe(self, machine: Fingerprint) -> str:
        return (
            f"mode A/B: working tree against base {self.commit[:12]} ({self.why}), timed in alternate slots "
            f"by two fresh processes on {machine.describe()}"
        )


Plan = NoComparison | StoredPlan | ABPlan


def choose_plan(
    options: GateOptions, machine: Fingerprint, resolve: Callable[[Path, str], str] = resolve_revision
) -> Plan:
    """The plan for a gated run (module docstring); `resolve` turns a revision into a commit id."""
    try:
        if options.base_revision is not None:
            commit = resolve(options.rootdir, options.base_revision)
            return ABPlan(commit, f"--gate-base={options.base_revision}")
        if options.choice != "auto":
            return _named(named_baseline(options.storage, options.choice), machine)
        if (matched := matching_baseline(options.storage, asdict(machine.machine))) is not None:
            return _stored(*matched, machine)
        recorded = [
            (commit, path)
            for path, document in saved_baselines(options.storage)
            if (commit := recording_commit(document))
        ]
        if recorded:
            commit, path = recorded[-1]
            return ABPlan(resolve(options.rootdir, commit), f"the commit that recorded {path.name}")
    except (BaselineError, RevisionError) as error:
        raise GateUsageError(str(error)) from None
    return NoComparison(
        f"gate: nothing to compare with: no committed baseline was recorded on {machine.describe()} and "
        f"none names a base revision; pass --gate-base=REV"
    )


def _stored(path: Path, document: dict, machine: Fingerprint) -> StoredPlan:
    return StoredPlan(path, extra_info_by_name(document), tuple(environment_changes(document, machine)))


def _named(path: Path, machine: Fingerprint) -> StoredPlan:
    document = load_document(path)
    recorded = machine_part_of(document)
    if recorded != asdict(machine.machine):
        where = f"on {recorded.get('cpu_model')} ({recorded.get('isa')})" if recorded else "before fingerprints"
        raise GateUsageError(
            f"baseline {path} was recorded {where}; this is {machine.describe()}: a baseline is "
            f"never compared on another machine (A/B instead: --gate-base=REV)"
        )
    return _stored(path, document, machine)
