"""Code that runs inside any revision's benchmark process, the working tree's or a base revision's.

    protocol   the wire protocol between the gate and a side process: message tags, environment
               variables and the copied package's name, each declared once; a receive that checks
               the tag it expects
    ops        the aten ops one call dispatches, and how two listings differ
    callgrind  callgrind's client requests from Python: count one call's instructions
    side       the pytest plugin a side process loads: A/B timing slots, or instruction counting

A leaf on purpose: nothing here imports the rest of `models` (torch, pytest-benchmark and the
standard library only), and modules here import each other relatively. The gate copies this
package beside each side process under the name `protocol.PACKAGE` (nngate.runtime.launch), so a
base revision that predates any of it is driven and described by exactly the working tree's code.
"""
