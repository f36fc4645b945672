"""The recorded process spreads as one Markdown table: a row per benchmark, a column per CPU met.

The README shows it (tests/test_docs.py keeps it equal to .benchmarks/spreads.json) and
`nngate spreads` prints it: the benchmarks whose medians still move by more than the threshold
between fresh processes of unchanged code, named with their spread on each machine that measured
them, so that a reader knows which figures carry a coin toss and how large it is.
"""

from __future__ import annotations


def machine_title(machine: dict) -> str:
    """`AMD EPYC (family 25 model 1, AVX2, 2 cores)`: the model name alone does not tell Zen 3 from Zen 4."""
    return (
        f"{machine.get('cpu_model', '?')} (family {machine.get('cpu_family', '?')} model "
        f"{machine.get('cpu_model_number', '?')}, {machine.get('isa', '?')}, {machine.get('logical_cores', '?')} cores)"
    )


def short_name(node_id: str) -> str:
    """A benchmark as its test names it, without the file: `test_inference[mlp-bs1-cpu-fp32]`."""
    return node_id.rpartition("::")[2]


def spread_table(recorded: list[dict], threshold: float, every: bool = False) -> str:
    """The spreads of `recorded` (spreads.json's machine entries): the benchmarks over `threshold` on
    any machine (every benchmark with `every`), widest first, then one line per machine saying when
    and how its spreads were measured."""
    if not recorded:
        return "No process spreads recorded (`nngate measure-spread --write` measures this machine's)."
    names = sorted({name for entry in recorded for name in entry["spreads"]})
    widest = {name: max(float(entry["spreads"].get(name, 0.0)) for entry in recorded) for name in names}
    shown = [name for name in names if every or widest[name] > threshold]
    shown.sort(key=lambda name: (-widest[name], name))
    header = ["benchmark", *(machine_title(entry.get("machine", {})) for entry in recorded)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for name in shown:
        cells = [f"{float(entry['spreads'][name]):.1%}" if name in entry["spreads"] else "-" for entry in recorded]
        lines.append(f"| `{short_name(name)}` | " + " | ".join(cells) + " |")
    if not shown:
        lines.append("| (none over the threshold) |" + " |" * len(recorded))
    within = len(names) - len(shown)
    if within:
        lines += ["", f"The other {within} benchmark(s) stay within {threshold:.0%} on every machine measured."]
    lines += [""] + [f"- {machine_title(entry.get('machine', {}))}: {entry.get('about', '')}" for entry in recorded]
    return "\n".join(lines)
