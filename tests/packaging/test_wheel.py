"""The quizkit wheel carries every file the package reads at run time.

An editable install reads files straight from the working tree, so a template or script left
out of `package-data` only shows up once someone installs the wheel. Build it from a copy of
the tracked files (a working tree's `*.egg-info` would otherwise supply the list) and compare.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tracked(*paths: str) -> list[str]:
    return subprocess.run(
        ["git", "ls-files", *paths], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()


def test_the_wheel_holds_every_tracked_data_file(tmp_path):
    source = tmp_path / "source"
    for path in tracked("pyproject.toml", "README.md", "LICENSE", "quizkit"):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, source / path)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", str(tmp_path)],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("quizkit-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    data = {path for path in tracked("quizkit") if not path.endswith(".py")}
    assert data, "git lists no data files under quizkit/"
    assert sorted(data - inside) == []
