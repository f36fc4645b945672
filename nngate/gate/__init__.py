"""The regression gate: a verdict per benchmark against a baseline, and an exit status.

options          the gate's options, read once into a frozen value; one default per setting
plan             what to compare with, chosen once: NoComparison | StoredPlan | ABPlan
session          the gate's state over one pytest run; `finish` returns an Outcome
baselines        finding, loading and merging baseline files
validity         what makes a baseline file one the gate can judge against
rules            q1, limits and verdicts (pure)
spread           each benchmark's measured process spread, and the limit it widens (spreads.json)
confirmation     re-measuring stored mode's suspects in this process and in fresh ones
pairing          A/B mode's paired rule (pure)
process_pairs    A/B mode's verdict over several process pairs (pure)
ab               A/B mode composed: worktree, two sides, the lockstep, the paired verdicts
instructions     instruction counts under callgrind, one valgrind per side
counting_policy  which benchmarks are counted, why the others are not, and the summary's lines (pure)
count_cache      counts of a commit's tree, cached outside the checkout
coverage         which selected benchmarks got no verdict, and why (--gate-strict)
table            the verdict table
verdict_fields   what the gate decided, into each benchmark's extra_info (the saved JSON)

Running sides of two revisions (git, machine, processes, the scheduler) is nngate.runtime's.
"""
