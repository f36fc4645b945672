"""nngate: a performance regression suite for neural-network workloads, built on pytest-benchmark.

Installs into any repository: the pytest plugin loads through its `pytest11` entry point and the
`nngate` console script runs its commands. Sub-packages: counting (formulas, walks, tables,
checkers), harness (cases, timing, training), probe (what runs inside any revision's benchmark
process), runtime (git, machine, side processes), gate (the regression gate), history (the store,
change points, bisect), report (tables and plots). Modules: schema (the vocabulary), results (result
files read back), train_sweep and lab (the bulk commands); cli and plugin are the entry points.
"""

from nngate.workloads import Workload, WorkloadConfig, declare, workload

__all__ = ["Workload", "WorkloadConfig", "declare", "workload"]
