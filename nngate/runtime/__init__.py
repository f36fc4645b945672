"""What the gate, the history and bisect share to run code of two or more revisions side by side.

git         revisions resolved and checked out in temporary worktrees, always removed again
machine     the identity of this machine: what a baseline must match
processes   one way to start a fresh pytest, and SIGTERM taken as an interrupt
launch      a side process: a fresh pytest of one checkout with the probe's side plugin
sides       a side that is a process of ours, pinned to the timing CPUs it is given
scheduler   one scheduler: the A/B lockstep (two sides) and the round robin (one side per commit)
"""
