"""The regression gate: a verdict per benchmark against a baseline, and an exit status.

options       the gate's options, read once into a frozen value; one default per setting
plan          what to compare with, chosen once: NoComparison | StoredPlan | ABPlan
session       the gate's state over one pytest run; `finish` returns an Outcome
machine       the identity of the machine: what a baseline must match
baselines     finding, loading and merging baseline files (pytest-benchmark JSON)
rules         q1, limits and verdicts (pure)
confirmation  re-measuring stored mode's suspects in this process and in fresh ones
pairing       A/B mode's paired rule (pure)
worktree      the base revision resolved and checked out, always removed again
launch        a side process: a fresh pytest of one checkout with the probe's side plugin
scheduler     the lockstep: alternate slots of two sides over the protocol (models.probe)
ab            A/B mode composed: worktree, two sides, the lockstep, the paired verdicts
instructions  instruction counts under callgrind, one valgrind per side
table         the verdict table
"""
