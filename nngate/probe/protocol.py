"""The protocol between the gate's process and a side process, declared once.

A side process (nngate.probe.side) is a `pytest bench` of one checkout. In A/B timing it talks
to the gate over one socket pair, messages as tuples whose first item is a tag:

    side -> gate   (AT, benchmark, one call's seconds, ops, kernels)      ready at a benchmark (ops and
                                                                          kernels of one call)
    gate -> side   (SLOT, calls)                                          time `calls` calls now
    side -> gate   (TIMES, [seconds of each call])                        the slot's call times
    gate -> side   (NEXT,)                                                on to the next benchmark

Every receive names the tags it expects; anything else is a ProtocolError whose message is one
line, so a typo or a side of another protocol is never misread as a message it is not.
"""

from __future__ import annotations

AT, SLOT, TIMES, NEXT = "at", "slot", "times", "next"

PACKAGE = "nnbench_probe"  # the name this package is copied under, beside a side's own `models`
SIDE_PLUGIN = f"{PACKAGE}.side"  # what a side process loads with `-p`

CHANNEL_FD = "NNBENCH_AB_FD"  # A/B timing: the side's end of the socket pair, a file descriptor
CPUS = "NNBENCH_AB_CPUS"  # A/B timing: comma-separated CPUs both sides are timed on
LISTS = "NNBENCH_AB_LISTS"  # A/B timing: "1" where the side lists each benchmark's ops and kernels (the first
# process pair; the later ones would list the same, and the listing costs more than a call)
NAMES = "NNBENCH_AB_NAMES"  # a file of node ids, one a line: the selection, in the order both sides run it
COUNTED_CALLS = "NNBENCH_COUNTED_CALLS"  # counting: calls per benchmark with callgrind collecting
SLOW_NAMES = "NNBENCH_SLOW_NAMES"  # counting: a file of node ids counted once, with no warm-up of their own


class ProtocolError(RuntimeError):
    """A message with a tag the receiver does not expect; the message is one line."""


def send(channel, tag: str, *payload) -> None:
    channel.send((tag, *payload))


def receive(channel, *expected: str) -> tuple:
    """The next message, whose tag must be one of `expected`: (tag, *payload)."""
    message = channel.recv()
    if not isinstance(message, tuple) or not message or message[0] not in expected:
        tag = message[0] if isinstance(message, tuple) and message else message
        raise ProtocolError(f"protocol: expected {' or '.join(map(repr, expected))}, got {tag!r}")
    return message
