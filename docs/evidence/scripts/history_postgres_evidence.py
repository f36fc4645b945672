"""Evidence for the history at scale: two `pytest bench --history=postgresql://...` processes recording
into one PostgreSQL server at once, as two CI runners would, then `history show` reading it back.

    python docs/evidence/scripts/history_postgres_evidence.py [-k EXPR]

The server is Debian's `postgresql` package, started in a temporary folder on a free port (the
tests' own helper, tests/postgres_server.py) and removed afterwards. Prints each command with its
exit status, wall time and output.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))

from postgres_server import ServerUnavailable, running_server  # noqa: E402 (tests/ is not a package)


def shown(command: list[str], done: subprocess.CompletedProcess, seconds: float) -> None:
    print(f"$ {shlex.join(command)}   # exit {done.returncode}, {seconds:.0f} s")
    print((done.stdout + done.stderr).strip(), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="expression", default="test_inference and (mlp-bs64 or cnn-bs64)")
    arguments = parser.parse_args()
    try:
        with running_server() as url:
            command = [sys.executable, "-m", "pytest", "bench", "-q", "-k", arguments.expression, f"--history={url}"]
            started = time.perf_counter()
            runners = [
                subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for _ in range(2)
            ]
            for number, runner in enumerate(runners, 1):
                output, _ = runner.communicate()
                recorded = [line for line in output.splitlines() if line.startswith("history:")]
                print(
                    f"$ {shlex.join(['pytest', *command[3:]])}   # runner {number} of 2, "
                    f"started at once; exit {runner.returncode}, {time.perf_counter() - started:.0f} s"
                )
                print("\n".join(recorded) or output[-500:], flush=True)
            show = [sys.executable, "-m", "models", "history", "--history", url, "show", "-k", arguments.expression]
            started = time.perf_counter()
            done = subprocess.run(show, cwd=ROOT, capture_output=True, text=True)
            shown(["python", "-m", "models", *show[3:]], done, time.perf_counter() - started)
            return done.returncode
    except ServerUnavailable as why:
        print(why)
        return 1


if __name__ == "__main__":
    sys.exit(main())
