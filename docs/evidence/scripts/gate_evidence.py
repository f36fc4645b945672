"""Evidence for the gate: what it says about real changes to the code, run as a user runs it.

    python docs/evidence/scripts/gate_evidence.py --mode stored
        --plan unchanged:10,linear_conv@0.15:10,conv@0.30:3,onednn_off:3
    python docs/evidence/scripts/gate_evidence.py --mode ab --base HEAD --plan unchanged:5,conv@0.30:2
    python docs/evidence/scripts/gate_evidence.py --plan unchanged:5,relu_twice:1 --pytest "--instructions"

Each change is put into the code under test: a marked block appended to models/__init__.py (so
the working tree differs from the base revision by one changed file), removed again afterwards,
also after an interrupted run. Each run is a fresh `pytest bench --gate` process (stored mode: the
committed baseline of this machine) or `pytest bench --gate-base=REV` (A/B mode); the gate's
verdicts are read from the JSON it writes. Changes, by name:
  unchanged          nothing
  linear_conv@F      every nn.Linear and nn.Conv2d forward busy-waits F of its own time
  linear@F           nn.Linear only
  conv@F             nn.Conv2d only
  onednn_off         torch.backends.mkldnn.enabled = False (a real configuration change)
  relu_twice         every nn.ReLU applied twice
  bert_extra_op      one extra elementwise op in BERT's forward (its embeddings' output times 1.0)
  bert_eager         BERT's attention "eager" instead of "sdpa": the default in models/arch/bert.py edited
With --instructions in --pytest, each run's instruction verdicts, count changes and op changes are
printed beside the timing verdicts.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from nngate import schema  # noqa: E402
from nngate.runtime.machine import fingerprint  # noqa: E402
from nngate.runtime.processes import fresh_pytest  # noqa: E402
from nngate.schema import Verdict  # noqa: E402

PATCHED_FILE = ROOT / "models" / "__init__.py"
BEGIN, END = "# >>> gate evidence (docs/evidence/scripts/gate_evidence.py removes this block)", "# <<< gate evidence"


def _instructions_change(info: dict) -> str:
    """The count's change against the other side, or why there is none (a benchmark timed only)."""
    ratio = info.get(schema.GATE_INSTRUCTIONS_RATIO)
    return f"{ratio - 1:+.4%}" if ratio else info.get(schema.INSTRUCTIONS_COUNTING) or "not counted"


def slowed(*layer_types: str):
    """The change that makes every forward of these torch.nn layers busy-wait a fraction of its time
    (all of inject_slowdown's layer types where none is named)."""

    def code(fraction: float) -> str:
        types = f", ({', '.join(f'_torch.nn.{name}' for name in layer_types)},)" if layer_types else ""
        return (
            "import torch as _torch\nfrom nngate.harness.slowdown import inject_slowdown as _slow\n"
            f"_slow({fraction}{types})\n"
        )

    return code


CHANGES = {
    "unchanged": lambda fraction: "",
    "linear_conv": slowed(),
    "linear": slowed("Linear"),
    "conv": slowed("Conv2d"),
    "onednn_off": lambda fraction: "import torch as _torch\n_torch.backends.mkldnn.enabled = False\n",
    "relu_twice": lambda fraction: (
        "import torch as _torch\n_relu = _torch.nn.ReLU.forward\n"
        "_torch.nn.ReLU.forward = lambda self, x: _relu(self, _relu(self, x))\n"
    ),
    "bert_extra_op": lambda fraction: (
        "from transformers.models.bert import modeling_bert as _bert\n"
        "_embed = _bert.BertEmbeddings.forward\n"
        "_bert.BertEmbeddings.forward = lambda self, *a, **k: _embed(self, *a, **k) * 1.0\n"
    ),
    "bert_eager": lambda fraction: "",
}
# Changes made by editing a file of the code under test: (file, text, replacement).
EDITS = {"bert_eager": (ROOT / "models" / "arch" / "bert.py", 'attention: str = "sdpa"', 'attention: str = "eager"')}


def remove_change() -> None:
    text = PATCHED_FILE.read_text()
    if BEGIN in text:
        PATCHED_FILE.write_text(text[: text.index(BEGIN)].rstrip("\n") + "\n")
    for path, original, edited in EDITS.values():
        if edited in path.read_text():
            path.write_text(path.read_text().replace(edited, original))


def put_change(change: str, code: str) -> None:
    remove_change()
    if code:
        PATCHED_FILE.write_text(PATCHED_FILE.read_text() + f"\n{BEGIN}\n{code}{END}\n")
    if change in EDITS:
        path, original, edited = EDITS[change]
        path.write_text(path.read_text().replace(original, edited))


def parse_plan(text: str) -> list[tuple[str, str, float, int]]:
    """`name[@fraction]:runs,...` -> (label, change, fraction, runs)."""
    plan = []
    for item in filter(None, text.split(",")):
        label, _, runs = item.partition(":")
        change, _, fraction = label.partition("@")
        if change not in CHANGES or not runs.isdigit():
            sys.exit(f"error: bad plan item {item!r}: name[@fraction]:runs with a name from {', '.join(CHANGES)}")
        plan.append((label, change, float(fraction or 0), int(runs)))
    return plan


def gate_run(gate_options: list[str]) -> tuple[int, dict[str, dict], float]:
    started = time.perf_counter()
    run = fresh_pytest(["bench", *gate_options], ROOT)
    if run.status not in (0, 1) or run.document is None:
        sys.exit(f"error: pytest bench failed (exit {run.status}):\n{run.output}")
    infos = {bench["name"]: bench["extra_info"] for bench in run.document["benchmarks"]}
    return run.status, infos, time.perf_counter() - started


def spread(counts: dict[str, list[float]]) -> str:
    """The benchmark whose instruction count varied most over the runs: (max - min) / min."""
    name, values = max(counts.items(), key=lambda item: max(item[1]) / min(item[1]))
    return f"{max(values) / min(values) - 1:.5%} ({name}, {len(values)} runs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("stored", "ab"), default="stored", help="(default: stored)")
    parser.add_argument("--base", default="HEAD", help="A/B mode: the base revision (default: HEAD)")
    parser.add_argument(
        "--plan",
        default="unchanged:10,linear_conv@0.15:10,conv@0.30:3,onednn_off:3",
        help="changes and runs, name[@fraction]:runs,... (default: %(default)s)",
    )
    parser.add_argument("--pytest", default="", help="more options for every run, shell-quoted (default: none)")
    arguments = parser.parse_args()
    side = ["--gate"] if arguments.mode == "stored" else [f"--gate-base={arguments.base}"]
    gate_options = side + shlex.split(arguments.pytest)
    print(f"machine: {fingerprint().describe()}; mode {arguments.mode}; pytest bench {' '.join(gate_options)}")
    summary, not_ok = [], Counter()
    try:
        for label, change, fraction, runs in parse_plan(arguments.plan):
            put_change(change, CHANGES[change](fraction))
            counts: dict[str, list[float]] = {}
            failed, flagged, faster, walls, ratios = 0, Counter(), Counter(), [], {}
            for index in range(1, runs + 1):
                status, infos, wall = gate_run(gate_options)
                failed, walls = failed + (status == 1), walls + [wall]
                verdicts = {name: info.get(schema.GATE_VERDICT) for name, info in infos.items()}
                if not any(verdicts.values()):
                    sys.exit("error: the gate gave no verdicts (is there anything to compare with?)")
                regressed = sorted(
                    name for name, verdict in verdicts.items() if verdict and Verdict(verdict.split(":")[0]).fails
                )
                quicker = sorted(name for name, verdict in verdicts.items() if verdict == Verdict.FASTER)
                flagged.update(regressed)
                faster.update(quicker)
                for name, info in infos.items():
                    ratios.setdefault(name, []).append(info.get(schema.GATE_RATIO) or float("nan"))
                    if info.get(schema.INSTRUCTIONS):
                        counts.setdefault(name, []).append(info[schema.INSTRUCTIONS])
                    if info.get(schema.GATE_VERDICT) != Verdict.OK or info.get(schema.GATE_INSTRUCTIONS_RATIO):
                        not_ok[label] += info.get(schema.GATE_VERDICT) != Verdict.OK
                        processes = " ".join(f"{r:.3f}" for r in info.get(schema.GATE_PROCESS_RATIOS) or [])
                        print(
                            f"{'':>16} {name}: {info[schema.GATE_VERDICT]}, "
                            f"time {info.get(schema.GATE_RATIO) or 0:.3f} (process pairs {processes or '-'}), "
                            f"instructions {_instructions_change(info)}; ops "
                            f"{' '.join(info.get(schema.GATE_OP_CHANGES) or []) or 'unchanged'}; kernels "
                            f"{' '.join(info.get(schema.GATE_KERNEL_CHANGES) or []) or 'unchanged'}",
                            flush=True,
                        )
                print(
                    f"{label:>16} run {index:>2}: exit {status}, {wall:.0f} s; "
                    f"regression: {', '.join(regressed) or '-'}"
                    f"; faster: {', '.join(quicker) or '-'}",
                    flush=True,
                )
            median_ratios = ", ".join(f"{name} {statistics.median(values):.3f}" for name, values in ratios.items())
            summary.append(
                f"{label}: gate failed {failed}/{runs} runs; benchmark regressions "
                f"{sum(flagged.values())}/{runs * len(ratios)}; verdicts other than ok {not_ok[label]}; flagged: "
                f"{', '.join(f'{name} {count}/{runs}' for name, count in sorted(flagged.items())) or '-'}; "
                f"faster: {', '.join(f'{name} {count}/{runs}' for name, count in sorted(faster.items())) or '-'}; "
                f"wall {min(walls):.0f}-{max(walls):.0f} s\n    median ratios: {median_ratios}"
                + (f"\n    largest spread of a count between runs: {spread(counts)}" if counts else "")
            )
    finally:
        remove_change()
    print("\n".join(["", "summary:", *summary]))


if __name__ == "__main__":
    main()
