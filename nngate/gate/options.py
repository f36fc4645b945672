"""The gate's options, read once from pytest's config into a frozen value, and their defaults.

Each setting has one default, here; the plugin's `--gate*` options take theirs from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from nngate.harness.variants import DEFAULT_VARIANT
from nngate.runtime.sides import DEFAULT_THREADS

DEFAULT_THRESHOLD = 0.05  # docs/gate.md has the false-alarm and detection runs behind it
DEFAULT_INSTRUCTIONS_THRESHOLD = 0.01  # docs/instructions.md has the repeat runs behind it
DEFAULT_MAX_PAIRS = 12  # A/B: at most this many slot pairs per benchmark; calls of 0.15 s or more: 4 often do
# A/B: the process spread assumed for a benchmark never measured on any machine (a user's new one):
# 10 of the 14 spreads measured on AMD EPYC Zen 3 are at most 7.2% (.benchmarks/spreads.json), so a
# benchmark is not held to a threshold its processes are likely to cross unchanged (docs/gate.md).
DEFAULT_UNMEASURED_SPREAD = 0.08
DEFAULT_MAX_PROCESS_PAIRS = 5  # A/B: at most this many pairs of fresh processes per benchmark (docs/gate.md)


def fraction(text: str) -> float:
    """A threshold or slowdown as a fraction: `0.05` or `5%`. A bare number of 1 or more is refused
    (`5` would be +500%: most who type it mean 5%), as is a negative one; write `150%` to mean it."""
    import argparse  # the error type both pytest's and the CLI's parsers turn into one line

    percent = text.strip().endswith("%")
    try:
        value = float(text.strip().rstrip("%")) / (100 if percent else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction such as 0.05 or 5%") from None
    if not value >= 0:  # NaN too
        raise argparse.ArgumentTypeError(f"{text!r} is negative: a threshold is a slowdown such as 0.05 or 5%")
    if value >= 1 and not percent:
        raise argparse.ArgumentTypeError(
            f"{text!r} would be +{value:.0%}: write {text}% (or {value / 100:g}), or {value:.0%} if so meant"
        )
    if value >= 10:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range (at most 1000%)")
    return value


# Options every process the gate starts shares with this run, so it builds and times the same cases;
# the injected slowdown goes to processes of the working tree only, never to the base revision's.
SHARED_OPTIONS = ("--profile", "--device", "--dtype", "--threads")
# Shared too, but only when not at its default: a base revision from before the option would refuse it,
# and at its default it asks for what such a revision does anyway.
SHARED_UNLESS_DEFAULT = {"--variant": (DEFAULT_VARIANT,)}
WORKING_TREE_OPTIONS = ("--inject-slowdown",)


@dataclass(frozen=True, kw_only=True)
class GateOptions:
    choice: str | None = None  # --gate's value: "auto", a file or a saved name; None: not gating
    base_revision: str | None = None  # --gate-base: A/B against this revision
    # --gate-ab: A/B against the commit that recorded the baseline, even where one of this machine exists
    # (a stored baseline is one moment's evidence: a VM's speed drifts between sessions, docs/ci.md)
    always_ab: bool = False
    threshold: float = DEFAULT_THRESHOLD
    strict: bool = False  # --gate-strict: finding nothing to compare with fails the run
    max_pairs: int = DEFAULT_MAX_PAIRS
    max_process_pairs: int = DEFAULT_MAX_PROCESS_PAIRS
    unmeasured_spread: float = DEFAULT_UNMEASURED_SPREAD  # --gate-unmeasured-spread
    instructions: bool = False  # --instructions: count instructions per call under callgrind
    instructions_threshold: float = DEFAULT_INSTRUCTIONS_THRESHOLD
    device: torch.device = torch.device("cpu")
    threads: int = DEFAULT_THREADS  # --threads: each side runs as many torch threads, pinned to as many CPUs
    rootdir: Path = Path()
    shared_options: tuple[str, ...] = ()  # as `--option=value`, for every process the gate starts
    working_tree_options: tuple[str, ...] = ()  # likewise, for the working tree's processes only

    @property
    def enabled(self) -> bool:
        return self.choice is not None or self.base_revision is not None or self.always_ab

    @property
    def storage(self) -> Path:
        """The .benchmarks folder baselines are found in."""
        return self.rootdir / ".benchmarks"

    @classmethod
    def from_config(cls, config) -> GateOptions:
        option = config.getoption

        def forwarded(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(f"{name}={option(name)}" for name in names)

        def forwarded_unless_default() -> tuple[str, ...]:
            return tuple(
                f"{name}={','.join(option(name))}"
                for name, default in SHARED_UNLESS_DEFAULT.items()
                if tuple(option(name)) != default
            )

        return cls(
            choice=option("--gate"),
            base_revision=option("--gate-base"),
            always_ab=option("--gate-ab"),
            threshold=option("--gate-threshold"),
            strict=option("--gate-strict"),
            max_pairs=option("--gate-pairs"),
            max_process_pairs=option("--gate-process-pairs"),
            unmeasured_spread=option("--gate-unmeasured-spread"),
            instructions=option("--instructions"),
            instructions_threshold=option("--gate-instructions-threshold"),
            device=torch.device(option("--device")),
            threads=option("--threads"),
            rootdir=Path(str(config.rootpath)),
            shared_options=forwarded(SHARED_OPTIONS) + forwarded_unless_default(),
            working_tree_options=forwarded(WORKING_TREE_OPTIONS),
        )
