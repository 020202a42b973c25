"""The engine imports with nothing but NumPy and the standard library, as under Pyodide."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: a meta-path finder refuses every third-party top-level
# package except numpy (and quizkit itself), then records what the import pulled in.
PROBE = r"""
import sys

ALLOWED = {"numpy", "quizkit"}
STDLIB = set(sys.stdlib_module_names)


class Refuse:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in ALLOWED or top in STDLIB or top.startswith("_"):
            return None
        raise ImportError(f"quizkit.backprop must not import {name}")


sys.meta_path.insert(0, Refuse())
before = set(sys.modules)
import quizkit.backprop
import quizkit.backprop.checkpoint, quizkit.backprop.dense, quizkit.backprop.diagnostics
import quizkit.backprop.nn, quizkit.backprop.worksheet
from quizkit.backprop import Tensor

(Tensor(2.0, requires_grad=True) ** 2).backward()
loaded = {m.partition(".")[0] for m in set(sys.modules) - before}
forbidden = loaded & {"threading", "subprocess", "multiprocessing", "asyncio", "socket"}
print("FORBIDDEN", sorted(forbidden))
print("THIRD_PARTY", sorted(m for m in loaded if m not in STDLIB and m not in ALLOWED and not m.startswith("_")))
"""  # noqa: E501


def run_probe(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter that sees only the repository and the system."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


def test_engine_imports_with_numpy_and_stdlib_only():
    result = run_probe(PROBE)
    assert result.returncode == 0, result.stderr
    assert "FORBIDDEN []" in result.stdout, result.stdout
    assert "THIRD_PARTY []" in result.stdout, result.stdout


def test_the_guard_really_refuses():
    probe = PROBE.replace("import quizkit.backprop\n", "import quizkit.backprop\nimport yaml\n", 1)
    result = run_probe(probe)
    assert result.returncode != 0 and "must not import yaml" in result.stderr
