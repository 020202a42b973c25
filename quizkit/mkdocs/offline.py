"""The service worker that keeps the course usable offline (quizkit/web/sw.js says how).

`write_service_worker(site_dir)` is called last, once every file of the site is written. It
writes `sw.js` at the site's root (so that its scope is the whole site) from the template
quizkit/web/sw.js, filled with the build: the sha256 of every file and a version derived
from them. The worker caches only bytes with those hashes, so one build's cache never holds
another build's file; and since any changed file changes sw.js, the browser's update check
(sw.js is fetched past the HTTP cache, see offline.js) finds every new deploy.
"""

from __future__ import annotations

import json
from pathlib import Path

from .runtime import RUNTIME_NAME, built_runtime_folder
from .runtime_files import content_version, folder_files

TEMPLATE = Path(__file__).resolve().parent.parent / "web" / "sw.js"
WORKER = "sw.js"
PLACEHOLDER = '"__QUIZKIT_BUILD__"'
REGISTRAR = "offline.js"


def site_files(site_dir: Path) -> dict[str, str]:
    """sha256 of every file of the site but the worker itself, by site path, sorted."""
    return folder_files(site_dir, skip=(WORKER,))


def build_version(files: dict[str, str]) -> str:
    """A short name for the build: changes when any file's path or bytes change, and only then."""
    return content_version(files)


def worker_source(build: dict, template: Path = TEMPLATE) -> str:
    """The template with `build` in place of its one placeholder."""
    source = template.read_text(encoding="utf-8")
    if source.count(PLACEHOLDER) != 1:
        raise ValueError(f"{template}: expected the placeholder {PLACEHOLDER} exactly once")
    data = json.dumps(build, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return source.replace(PLACEHOLDER, data)


def write_service_worker(site_dir: Path, assets: str = "assets/quizkit") -> str:
    """Write `site_dir/sw.js` for the site as built; returns a one-line report.

    `assets` is the site folder of the quiz widgets, where offline.js (which registers the
    worker and shows the update notice) is; every install of the worker caches that folder.
    """
    site_dir = Path(site_dir)
    files = site_files(site_dir)
    assets = assets.strip("/") + "/"
    if f"{assets}{REGISTRAR}" not in files:
        raise ValueError(f"{site_dir / assets / REGISTRAR}: missing; the worker needs it")
    # The runtime is the folder runtime.bundle named after its files, if any.
    folder = built_runtime_folder(site_dir)
    runtime = f"{folder.name}/" if folder else None
    version = build_version(files)
    build = {
        "version": version,
        "files": files,
        "assets": assets,
        "runtime": runtime,
        "runtime_name": RUNTIME_NAME.pattern,
    }
    (site_dir / WORKER).write_text(worker_source(build), encoding="utf-8")
    return f"offline: {WORKER} for build {version} ({len(files)} files)"
