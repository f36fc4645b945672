"""Where a benchmark sits against the machine's roofs: its arithmetic intensity from the count
table, and the fraction of its roof it reached.

Bytes moved per call, the convention stated once (an analytic lower bound, as the roofline model's
is: fused kernels may move less, spills more):
  * inference: every weight read once, every layer's output written once and read once by the next
    layer: weights + 2 x activations;
  * a train step adds the backward (weights and saved activations read again, a weight gradient
    written, an activation gradient written and read per layer) and SGD's update (weight and
    gradient read, weight written): 6 x weights + 5 x activations.
The footprint, the distinct bytes a call touches, is weights + activations (a train step: twice
that, for the gradients). Widths are the benchmark dtype's (bf16 under autocast: 2 bytes; tf32 is
stored as fp32).

The roof at intensity I is min(peak FLOP/s, I x bandwidth) (Williams, Waterman, Patterson 2009),
with the bandwidth of where the footprint lives between calls: the last-level cache's when it
fits there, main memory's otherwise. Measured this way, a 10 MB embedding table read from a 32 MB
L3 is held to the cache's roof, not credited with beating main memory's.
"""

from __future__ import annotations

from dataclasses import dataclass

from nngate import schema
from nngate.counting.table import CountTable

WEIGHT_PASSES = {"inference": 1, "train": 6}
ACTIVATION_PASSES = {"inference": 2, "train": 5}
FOOTPRINT_COPIES = {"inference": 1, "train": 2}  # a train step also holds a gradient of each


def bytes_moved(table: CountTable, mode: str) -> int:
    weights, activations = table.total("weight_bytes"), table.total("activation_bytes")
    return WEIGHT_PASSES[mode] * weights + ACTIVATION_PASSES[mode] * activations


def footprint_bytes(table: CountTable, mode: str) -> int:
    return FOOTPRINT_COPIES[mode] * (table.total("weight_bytes") + table.total("activation_bytes"))


@dataclass(frozen=True)
class Roofline:
    intensity: float  # FLOPs per byte moved
    roof_flops_per_second: float  # min(peak, intensity x bandwidth)
    bound: str  # "compute", or the memory level whose roof is lower: "cache" or "dram"
    fraction: float  # achieved FLOP/s / roof


def roofline(flops: float, moved: float, seconds: float, peak_flops: float, bandwidth: float, level: str) -> Roofline:
    intensity = flops / moved
    memory_roof = intensity * bandwidth
    roof = min(peak_flops, memory_roof)
    return Roofline(intensity, roof, level if memory_roof < peak_flops else "compute", flops / seconds / roof)


def bandwidth_for(footprint: int, peaks: dict) -> tuple[float | None, str]:
    """The bandwidth roof for a call touching `footprint` bytes, and its level."""
    cache, in_cache = peaks.get(schema.CACHE_BYTES), peaks.get(schema.PEAK_CACHE_BANDWIDTH)
    if cache and in_cache and footprint <= cache:
        return in_cache, "cache"
    return peaks.get(schema.PEAK_BANDWIDTH), "dram"


def roofline_info(info: dict, seconds: float, peaks: dict | None) -> dict:
    """The roofline entries of a benchmark's extra_info from its FLOPs, bytes and median seconds, and
    the session's peaks (nngate.harness.peaks); intensity alone where no peak for its dtype was measured."""
    flops, moved = info[schema.FLOPS], info[schema.BYTES_MOVED]
    entries = {schema.ARITHMETIC_INTENSITY: flops / moved}
    peaks = peaks or {}
    peak = peaks.get(schema.PEAK_FLOPS, {}).get(info[schema.DTYPE])
    bandwidth, level = bandwidth_for(info[schema.FOOTPRINT_BYTES], peaks)
    if peak and bandwidth and flops:
        point = roofline(flops, moved, seconds, peak, bandwidth, level)
        entries |= {
            schema.ROOF_GFLOPS_PER_SECOND: point.roof_flops_per_second / 1e9,
            schema.ROOFLINE_FRACTION: point.fraction,
            schema.ROOFLINE_BOUND: point.bound,
        }
    return entries
