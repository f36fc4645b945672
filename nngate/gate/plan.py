"""What the gate compares with, chosen once before anything is timed: a type per mode.

    NoComparison  nothing to compare with, and why (under --gate-strict the run fails)
    StoredPlan    a committed baseline recorded on this machine (same fingerprint's machine part);
                  benchmarks it lacks are timed A/B against the commit that recorded it
    ABPlan        a base revision, timed beside the working tree in this run, and why it was chosen

The choice, in order: --gate-base=REV is A/B against REV; --gate=BASELINE is that baseline, which
must have been recorded on this machine; plain --gate is the newest committed baseline of this
machine, else A/B against the commit that recorded the newest baseline. --gate-ab skips stored mode:
A/B against the commit that recorded the baseline (the named one, else the newest). A baseline or revision
that was named and cannot be used is a GateUsageError (one line), never a silent pass; a committed
baseline that cannot be used is a warning line (`notes`), never passed over in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from nngate.gate.baselines import (
    BaselineError,
    extra_info_by_name,
    load_document,
    named_baseline,
    recorded_from_changed_tree,
    recording_commit,
    saved_baselines,
)
from nngate.gate.options import GateOptions
from nngate.runtime.git import RevisionError, is_ancestor, resolve_revision
from nngate.runtime.machine import Fingerprint, environment_changes, machine_part_of
from nngate.schema import GateMode


class GateUsageError(RuntimeError):
    """What was named for the gate cannot be used; one line, and pytest exits with a usage error."""


@dataclass(frozen=True)
class NoComparison:
    reason: str  # the line the summary prints
    notes: tuple[str, ...] = ()  # warning lines: baselines left out


@dataclass(frozen=True)
class StoredPlan:
    path: Path
    baseline: dict[str, dict]  # fullname -> the baseline's extra_info
    environment_changes: tuple[str, ...]  # "torch 2.13.0 -> 2.14.1": compared all the same, and said
    fallback_commit: str | None = None  # the commit that recorded it: benchmarks it lacks are timed A/B there
    fallback_problem: str | None = None  # why that commit cannot be timed, where it cannot
    notes: tuple[str, ...] = ()
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
    notes: tuple[str, ...] = ()
    mode = GateMode.AB

    def describe(self, machine: Fingerprint) -> str:
        return (
            f"mode A/B: working tree against base {self.commit[:12]} ({self.why}), timed in alternate slots "
            f"by pairs of fresh processes on {machine.describe()}"
        )


Plan = NoComparison | StoredPlan | ABPlan
Resolver = Callable[[Path, str], str]

# The gate's own last remedy where git cannot give it a base revision: no revision is needed against a
# baseline recorded on this machine. --gate-ab turns such a baseline down, so it says how not to.
RECORD_HINT = "or record a baseline for this machine (nngate record-baseline)"
STORED_INSTEAD_OF_AB = "or gate without --gate-ab against a baseline recorded on this machine (nngate record-baseline)"


def resolve_base(rootdir: Path, revision: str) -> str:
    """The commit of a base revision, named in the gate's words where git cannot give it."""
    return resolve_revision(rootdir, revision, "base revision", "name a commit it has with --gate-base=REV")


def choose_plan(options: GateOptions, machine: Fingerprint, resolve: Resolver = resolve_base) -> Plan:
    """The plan for a gated run (module docstring); `resolve` turns a revision into a commit id."""
    if options.base_revision is not None and options.choice not in (None, "auto"):
        raise GateUsageError(
            f"--gate={options.choice} and --gate-base={options.base_revision} name two different things to "
            "compare with: keep one"
        )
    try:
        if options.base_revision is not None:
            commit = resolve(options.rootdir, options.base_revision)
            return ABPlan(commit, f"--gate-base={options.base_revision}", _ancestry(options.rootdir, commit))
        if options.choice not in (None, "auto"):
            path = named_baseline(options.storage, options.choice)
            if options.always_ab:
                return _at_recording(path, load_document(path), options.rootdir, resolve, ())
            return _named(path, machine, options.rootdir, resolve)
        shelf = saved_baselines(options.storage)
        notes = tuple(shelf.warnings)
        if not options.always_ab and (matched := shelf.matching(asdict(machine.machine))) is not None:
            return _stored(*matched, machine, options.rootdir, resolve, notes)
        if (newest := shelf.newest_recording()) is not None:
            return _at_recording(*newest, options.rootdir, resolve, notes)
    except BaselineError as error:
        raise GateUsageError(str(error)) from None
    except RevisionError as error:
        raise GateUsageError(error.advise(STORED_INSTEAD_OF_AB if options.always_ab else RECORD_HINT)) from None
    missing = (
        "--gate-ab, and no committed baseline names the commit that recorded it"
        if options.always_ab
        else f"no committed baseline was recorded on {machine.describe()} and none names a base revision"
    )
    return NoComparison(f"gate: nothing to compare with: {missing}; pass --gate-base=REV", notes)


def _at_recording(path: Path, document: dict, rootdir: Path, resolve: Resolver, notes: tuple[str, ...]) -> ABPlan:
    """A/B against the commit that recorded a baseline, as committed: a recording from a tree with
    uncommitted changes timed code its commit lacks, and the notes say so."""
    if (commit := recording_commit(document)) is None:
        raise GateUsageError(f"baseline {path} names no commit that recorded it: A/B needs one; pass --gate-base=REV")
    resolved = resolve(rootdir, commit)
    if recorded_from_changed_tree(document):
        notes += (
            f"gate: note: {path.name} was recorded with uncommitted changes; the base is {resolved[:12]} as committed",
        )
    return ABPlan(resolved, f"the commit that recorded {path.name}", notes + _ancestry(rootdir, resolved))


def _ancestry(rootdir: Path, commit: str) -> tuple[str, ...]:
    if is_ancestor(rootdir, commit) is not False:
        return ()
    return (
        f"gate: note: base {commit[:12]} is not an ancestor of HEAD, so the comparison also holds the changes on "
        "its side; for a pull request gate against the merge base: --gate-base=$(git merge-base origin/main HEAD)",
    )


def _stored(
    path: Path, document: dict, machine: Fingerprint, rootdir: Path, resolve: Resolver, notes: tuple[str, ...]
) -> StoredPlan:
    fallback, problem = None, None
    if (commit := recording_commit(document)) is not None:
        try:
            fallback = resolve(rootdir, commit)
        except RevisionError as error:
            problem = error.advise(RECORD_HINT)  # a new recording would hold the benchmarks it lacks
    changes = tuple(environment_changes(document, machine))
    return StoredPlan(path, extra_info_by_name(document), changes, fallback, problem, notes)


def _named(path: Path, machine: Fingerprint, rootdir: Path, resolve: Resolver) -> StoredPlan:
    document = load_document(path)
    recorded, here = machine_part_of(document), asdict(machine.machine)
    if recorded != here:
        differing = [
            f"{key} {recorded.get(key)} vs {value}" for key, value in here.items() if recorded.get(key) != value
        ] + [  # fields a newer version of the suite records and this one does not know
            f"{key} {value} (a field this version does not know: recorded by a newer nnbench?)"
            for key, value in (recorded or {}).items()
            if key not in here
        ]
        differs = ", ".join(differing) if recorded else "it was recorded before fingerprints"
        raise GateUsageError(
            f"baseline {path} was recorded on another machine ({differs}); this is {machine.describe()}: a baseline "
            f"is never compared on another machine (A/B instead: --gate-base=REV)"
        )
    return _stored(path, document, machine, rootdir, resolve, ())
