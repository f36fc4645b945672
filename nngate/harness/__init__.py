"""What makes a benchmark ready and times it.

cases     a sweep point (Case) and the timed body built from it, outside the timing
devices   device, threads, synchronization
timing    warm-up, sampling loops, the reference workloads timed beside every benchmark
memory    peak memory, and an allocator that keeps freed memory while timing
measure   one benchmark end to end: warm-up, pytest-benchmark's timing, extra_info
training  losses, a train step, evaluation, `fit`
slowdown  a known slowdown put into the layers, for the gate's evidence
"""
