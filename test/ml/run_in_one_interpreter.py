# SPDX-License-Identifier: Apache-2.0
"""Run Python scripts one after another in this interpreter, each as ``python3 <script> <args>``.

A test helper: each interpreter that runs an ``ml/`` script spends about a
second importing pandas, scikit-learn and XGBoost, so tests that run a
script many times run it here, where the libraries are imported once.

Usage::

    python3 run_in_one_interpreter.py '[{"script": "ml/evaluate.py", "args": ["--base-dir", "d"]}]'

Each run executes the script as ``__main__`` (``runpy.run_path``) with
``sys.argv`` set to the script and its arguments and the script's directory
first on ``sys.path``, as the interpreter would, and captures what it prints.
Its exit status is the interpreter's: 0 when the script returns, the code of
``sys.exit`` (argparse errors give 2), and 1 with the traceback on stderr for
an uncaught exception. A failed run does not stop the later ones.

Output: on stdout, one JSON list with ``{"status", "stdout", "stderr"}`` for
each run, in order. Anything written to the process's stdout by other means
(native code) goes to its stderr instead, so stdout stays valid JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import traceback
from typing import Any, Dict, List


def exit_status(code: Any, stderr: io.StringIO) -> int:
    """The interpreter's exit status for ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


def run_one(script: str, args: List[str]) -> Dict[str, Any]:
    """Run ``script`` with ``args`` as the interpreter would; return its status and output."""
    stdout, stderr = io.StringIO(), io.StringIO()
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                runpy.run_path(script, run_name="__main__")
                status = 0
            except SystemExit as error:
                status = exit_status(error.code, stderr)
            except Exception:  # the interpreter reports any uncaught exception the same way
                traceback.print_exc()
                status = 1
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
    return {"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


def main() -> int:
    """Command-line entry point; returns the exit status."""
    if len(sys.argv) != 2:
        print(f"usage: {os.path.basename(sys.argv[0])} RUNS_JSON", file=sys.stderr)
        return 2
    runs = json.loads(sys.argv[1])
    # Keep this process's stdout for the results: output that bypasses sys.stdout goes to stderr.
    results_stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    results = [run_one(run["script"], [str(arg) for arg in run.get("args", [])]) for run in runs]
    with results_stream:
        json.dump(results, results_stream)
    return 0


if __name__ == "__main__":
    sys.exit(main())
