"""How much faster the analytic counter is than tracing the model with fvcore, measured in one run.

    python docs/evidence/scripts/count_speed.py [--repeats 20]

For each architecture at its defaults: the best time of the analytic per-layer table (shape walk +
formulas, no model), the best time of the generic walk on the built model (meta tensors; on the CPU
where the forward reads a value, as BERT's mask does), the best time of fvcore's FlopCountAnalysis
on the built model (trace + count), and the ratio of fvcore to the analytic table. Building the
model is not counted. All three give the same total.
"""

from __future__ import annotations

import argparse
import functools
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="analytic repeats (default: 20; fvcore: 3)")
    arguments = parser.parse_args()
    import torch

    import models
    from models.data.synthetic import example_inputs
    from nngate.counting import count
    from nngate.counting.measured import fvcore_analysis
    from nngate.counting.table import count_model
    from nngate.harness.timing import best_time

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    print(
        f"{'architecture':<10} {'analytic table':>15} {'generic walk':>13} {'fvcore trace':>13} {'ratio':>8}  "
        "totals equal"
    )
    for name in models.ARCHITECTURES:
        config = models.make_config(name)
        model, inputs = models.build_from_config(config).eval(), example_inputs(config, 1)
        analytic = best_time(functools.partial(count, config), arguments.repeats)
        totals: list[int] = []

        def trace(model=model, inputs=inputs, totals=totals) -> None:
            totals.append(int(fvcore_analysis(model, inputs).total()))

        traced = best_time(trace, 3)

        walked_model = models.build_from_config(config)

        def walk(model=walked_model, inputs=inputs, totals=totals) -> None:
            totals.append(count_model(model, inputs).macs)

        walked = best_time(walk, 3)
        print(
            f"{name:<10} {analytic * 1e3:>12.3f} ms {walked * 1e3:>10.1f} ms {traced * 1e3:>10.1f} ms "
            f"{traced / analytic:>7.0f}x  {totals[-1] == totals[0] == count(config).macs}"
        )


if __name__ == "__main__":
    main()
