"""The suite's vocabulary: every key it writes into result files, the gate's verdicts and modes,
and the names of dtypes.

A benchmark's `extra_info` (pytest-benchmark JSON) is read back by the gate, the report and the
baseline recorder, and a training run's JSON by the report, so each key is spelt once, here. The
values of these constants are a contract with users' saved files: never change one, only add.
"""

from __future__ import annotations

from enum import StrEnum

# ---------------------------------------------------------------- what a benchmark ran
ARCHITECTURE = "architecture"  # a registered architecture name
CONFIG = "config"  # the config's options, JSON-ready
BATCH_SIZE = "batch_size"
DEVICE = "device"  # "cpu" or "cuda"
DTYPE = "dtype"  # a canonical dtype name (below)
MODE = "mode"  # "inference" or "train"
THREADS = "threads"  # torch intra-op threads while timing
VARIANT = "variant"  # how the model ran: a name of nngate.harness.variants.VARIANTS
DEFAULT_VARIANT = "eager"  # the model as built: every run before variants existed was one

# ---------------------------------------------------------------- what it costs, analytically
PARAMS = "params"
MACS = "macs"  # the `complete` view (nngate.counting.formulas states the convention)
MACS_FVCORE = "macs_fvcore"  # the `fvcore` view
FLOPS = "flops"  # per timed call: forward FLOPs, times 3 for a train step
BYTES_MOVED = "bytes_moved"  # per timed call, from the count table (nngate.harness.roofline states how)
ARITHMETIC_INTENSITY = "arithmetic_intensity"  # FLOPS / BYTES_MOVED
FOOTPRINT_BYTES = "footprint_bytes"  # distinct bytes a call touches: where they fit sets its bandwidth roof

# ---------------------------------------------------------------- what was measured
PEAK_MEMORY_BYTES = "peak_memory_bytes"
ITEMS_PER_SECOND = "items_per_second"
GFLOPS_PER_SECOND = "gflops_per_second"
REFERENCE_SECONDS = "reference_seconds"  # best time of a fixed torch.mm beside the benchmark (for reading)
MEMORY_REFERENCE_SECONDS = "memory_reference_seconds"  # best time of a fixed numpy streaming add beside it
COMPILE_SECONDS = "compile_seconds"  # variant compile: the first call, compilation included; never timed
ROOF_GFLOPS_PER_SECOND = "roof_gflops_per_second"  # min(peak FLOP/s, intensity x bandwidth) for its dtype
ROOFLINE_FRACTION = "roofline_fraction"  # achieved FLOP/s (median) / the roof
ROOFLINE_BOUND = "roofline_bound"  # "compute", or the memory roof that is lower: "cache" or "dram"

# ---------------------------------------------------------------- what the gate judges
GATE_SCORE = "gate_score"  # what stored mode compares: the q1 round time (files before fingerprints: / reference)
# Equal to GATE_SCORE since the score stopped dividing by a reference: written beside it so that readers of
# older files and of the JSON key keep working (a JSON key never changes name or meaning).
GATE_SECONDS = "gate_seconds"
MEMORY_PRESSURE = "memory_pressure"  # the streaming add's time: higher when a neighbour loads memory
GATE_NOISE = "gate_noise"  # baseline only: slowest recording process's score / median score - 1
PROCESS_SCORES = "gate_process_scores"  # baseline only: each recording process's score
REMEASURED = "gate_remeasured"  # how many times a suspect was timed again in its own process
FRESH_PROCESS_SCORES = "gate_fresh_process_scores"  # a suspect's scores from confirming processes
GATE_MODE = "gate_mode"  # a GateMode: how the other side of the comparison was had
GATE_VERDICT = "gate_verdict"  # a Verdict's text: "not comparable" is followed by ": " and its reason
GATE_RATIO = "gate_ratio"  # the ratio that verdict judged (stored: of scores; A/B: median pair ratio)
GATE_LIMIT = "gate_limit"  # the ratio above which it would be (or is) a regression
GATE_PAIRS = "gate_pairs"  # A/B: each pair's ratio, working tree q1 / base q1
GATE_BASE_COMMIT = "gate_base_commit"  # A/B: the base revision timed beside this run
GATE_INSTRUCTIONS_RATIO = "gate_instructions_ratio"  # this side's instructions per call / the other side's
GATE_INSTRUCTIONS_LIMIT = "gate_instructions_limit"  # the instructions ratio above which it is a regression
GATE_OP_CHANGES = "gate_op_changes"  # how this benchmark's ops differ from the other side's (nngate.probe.ops)
GATE_KERNEL_CHANGES = "gate_kernel_changes"  # how its kernels differ, less what the op changes say
GATE_PROCESS_RATIOS = "gate_process_ratios"  # A/B: each process pair's ratio (median of its slot pairs)
GATE_LIMIT_WHY = "gate_limit_why"  # why the limit is wider than the threshold ("" where it is not)


class Verdict(StrEnum):
    """The gate's verdict on one benchmark; the values are what the table prints and JSON holds."""

    OK = "ok"
    FASTER = "faster"
    REGRESSION = "regression"  # slower beyond its limit: fails the run
    INSTRUCTIONS_REGRESSION = "instructions regression"  # more instructions per call beyond theirs: fails
    CHANGED_WORK = "changed work"  # same time and count, other ops: reported, not failed
    NEW = "new"  # the other side has no such benchmark
    NOT_COMPARABLE = "not comparable"  # settings differ (the reason follows in the text) or no score

    @property
    def fails(self) -> bool:
        return self in (Verdict.REGRESSION, Verdict.INSTRUCTIONS_REGRESSION)


class GateMode(StrEnum):
    """How the gate had the other side of the comparison (nngate.gate.plan)."""

    STORED = "stored"  # a committed baseline recorded on this machine
    AB = "A/B"  # the base revision, timed beside the working tree in this run


# ---------------------------------------------------------------- what it ran (nngate.probe.ops)
OPS = "ops"  # {"aten::addmm(f32[256], f32[64,784], f32[784,256])": calls, ...}: the ops of one call
KERNELS = "kernels"  # {"aten::mkldnn_convolution": calls, ...}: ops at every dispatcher level and device kernels
INSTRUCTIONS = "instructions"  # CPU instructions per call under callgrind (--instructions)
INSTRUCTIONS_SPREAD = "instructions_spread"  # (largest - smallest) / median of the counted calls
INSTRUCTIONS_COUNTING = "instructions_counting"  # "counted", or "timed only: ..." (nngate.gate.counting_policy)
INSTRUCTIONS_METHOD = "instructions_method"  # how the count was taken: counts taken two ways never compare

# Settings that must be equal for two results to be compared.
COMPARABLE_SETTINGS = (DEVICE, DTYPE, THREADS, MODE, VARIANT)
# A setting's value in a result recorded before the setting existed: every such run was eager.
SETTING_DEFAULTS = {VARIANT: DEFAULT_VARIANT}


def setting(result: dict, key: str):
    """A comparable setting of a benchmark's extra_info, its default where the result predates it."""
    return result.get(key, SETTING_DEFAULTS.get(key))


PROFILES = ("smoke", "full")  # benchmark sets: bench/sweeps.py declares what each one times

# ---------------------------------------------------------------- machine_info["nnbench"]
MACHINE_INFO = "nnbench"  # the key pytest-benchmark's machine_info holds our entries under
MACHINE_CLASS = "machine_class"
CPU_MODEL = "cpu_model"
FINGERPRINT = "fingerprint"  # {"machine": {...}, "environment": {...}} (nngate.runtime.machine)
TORCH_VERSION = "torch"
PROFILE = "profile"
BASELINE_PROCESSES = "baseline_processes"
PEAKS = "peaks"  # the machine's measured limits at the session's threads (nngate.harness.peaks): under SESSION_INFO
PEAK_FLOPS = "flops_per_second"  # {dtype: FLOP/s of a large GEMM through torch}
PEAK_BANDWIDTH = "bytes_per_second"  # a streaming kernel's bytes read and written per second, main memory
CACHE_BYTES = "cache_bytes"  # the last-level cache's size (None where the system does not say)
PEAK_CACHE_BANDWIDTH = "cache_bytes_per_second"  # the same stream within the last-level cache


# ---------------------------------------------------------------- document["nnbench_session"]
# What the session measured, at the document's top level: pytest-benchmark compares machine_info with
# the saved run's on every --benchmark-compare and warns, with both dumped, where they differ; peaks
# measured anew each session differ every time, so in machine_info they made every comparison say
# "Benchmark machine_info is different" (and crashed pytest-benchmark for a storage outside the cwd).
SESSION_INFO = "nnbench_session"


def session_peaks(document: dict) -> dict | None:
    """The machine's measured limits of the run that wrote `document`: under SESSION_INFO, or in
    machine_info where the document predates it."""
    session = document.get(SESSION_INFO) if isinstance(document, dict) else None
    if isinstance(session, dict) and isinstance(session.get(PEAKS), dict):
        return session[PEAKS]
    peaks = nnbench_info(document).get(PEAKS)
    return peaks if isinstance(peaks, dict) else None


def nnbench_info(document: dict) -> dict:
    """Our entries in a pytest-benchmark document's machine_info: the one reader of them ({} where
    the document has none, or something other than a mapping there)."""
    machine_info = document.get("machine_info") if isinstance(document, dict) else None
    recorded = machine_info.get(MACHINE_INFO) if isinstance(machine_info, dict) else None
    return recorded if isinstance(recorded, dict) else {}


# ---------------------------------------------------------------- a training run (`train --json`)
# One JSON object per run; `train-sweep` writes a list of them. The report joins a run to a
# benchmark row by architecture, config and batch size (nngate.results).
ACCURACY = "accuracy"  # held-out accuracy after the last epoch
TRAIN_SECONDS = "train_seconds"
STEP_SECONDS = "step_seconds"  # mean seconds per optimizer step
STEPS = "steps"
EPOCHS = "epochs"
LOSS_PER_EPOCH = "loss_per_epoch"
INPUT_SHAPE = "input_shape"  # one example's input shape
OUTPUT_SHAPE = "output_shape"
DATA_SOURCE = "data_source"  # which data it trained on: real (where from) or synthetic
SEED = "seed"

# ---------------------------------------------------------------- dtypes
# One short name per dtype everywhere: CLI, pytest options, case ids, count tables, JSON. The
# long torch-style spellings are accepted as input and turned into these.
DTYPE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
DTYPE_ALIASES = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}
BENCH_DTYPES = ("fp32", "bf16", "tf32")  # fp32; bf16 under autocast; tf32: CUDA fp32 matmuls in TF32
STORAGE_DTYPES = {"tf32": "fp32"}  # tf32 is a matmul precision: its tensors are fp32 in memory


def canonical_dtype(name: str, allowed: tuple[str, ...] = tuple(DTYPE_BYTES)) -> str:
    """The canonical name of `name` (an alias is accepted); ValueError names the choices."""
    canonical = DTYPE_ALIASES.get(name, name)
    if canonical not in allowed:
        raise ValueError(f"dtype: {name!r} is not one of {', '.join(allowed)}")
    return canonical
