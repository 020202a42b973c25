"""NumPy's WebAssembly wheel for the site: from the trusted wheels directory, or Pyodide's
CDN when its sha256 is the official one (see `vendor_numpy`)."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .runtime_files import RuntimeBundleError, copy_if_changed, sha256_file

WHEELS_ENV = "PYODIDE_WHEELS_DIR"
DEFAULT_WHEELS_DIR = Path("~/.cache/backprop-lab/wheels")
CDN = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
DOWNLOAD_TIMEOUT_S = 5.0


# What a build may do when it cannot vendor Pyodide's official NumPy wheel (an unreachable
# CDN, a download or a local wheel whose sha256 is not the official one): "official" fails the
# build, so a published site never silently depends on another host or an unverified wheel;
# "fallback" (the default, for previews and tests) uses the local wheel whatever its hash, or
# points the lock at the CDN. `./dev build` and the Pages workflow ask for "official".
NUMPY_POLICY_ENV = "PYODIDE_NUMPY"
NUMPY_POLICIES = ("official", "fallback")


class NumpyNotVerifiedError(RuntimeBundleError):
    """PYODIDE_NUMPY=official and the site cannot vendor Pyodide's official NumPy wheel."""


def numpy_policy() -> str:
    """$PYODIDE_NUMPY ("official" or "fallback"; unset means "fallback")."""
    policy = os.environ.get(NUMPY_POLICY_ENV) or "fallback"
    if policy not in NUMPY_POLICIES:
        raise RuntimeBundleError(
            f"{NUMPY_POLICY_ENV}={policy!r}: expected one of {', '.join(NUMPY_POLICIES)}"
        )
    return policy


@dataclass
class NumpySource:
    """Where the site's NumPy wheel came from, for the lock entry and the build report."""

    how: str  # "local", "downloaded" or "cdn"
    file_name: str  # the lock entry's file_name: a site-relative name or the CDN URL
    sha256: str
    report: str


def wheels_dir() -> Path:
    """The trusted wheels directory: $PYODIDE_WHEELS_DIR, else ~/.cache/backprop-lab/wheels."""
    return Path(os.environ.get(WHEELS_ENV) or DEFAULT_WHEELS_DIR).expanduser()


def download(url: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """The bytes at `url` (raises OSError on any network problem, quickly when offline)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed https URL
        return response.read()


def vendor_numpy(
    official: dict,
    dest: Path,
    version: str,
    *,
    local_dir: Path | None = None,
    fetch: Callable[[str], bytes] | None = None,
    policy: str | None = None,
) -> NumpySource:
    """Put NumPy's wasm wheel into `dest`, trying in turn (`official` is its lock entry):

    1. the trusted wheels directory: copied and re-hashed; a hash that differs from
       Pyodide's official one is reported (a rebuilt wheel, not a tampered download);
    2. the official Pyodide CDN for this version: kept only if its sha256 is the official
       one (and saved into the wheels directory for the next build);
    3. neither: the lock entry points at the CDN URL, so the browser fetches NumPy from
       there (the site then needs the internet for NumPy).

    Under `policy` "official" (default: $PYODIDE_NUMPY, see NUMPY_POLICY_ENV) a local wheel
    must have the official hash too, and case 3 raises NumpyNotVerifiedError instead.
    """
    name = official["file_name"]
    policy = numpy_policy() if policy is None else policy
    local_dir = wheels_dir() if local_dir is None else local_dir
    fetch = download if fetch is None else fetch
    local = local_dir / name
    if local.is_file():
        sha = sha256_file(local)
        if sha != official["sha256"] and policy == "official":
            raise NumpyNotVerifiedError(
                f"{local}: sha256 {sha[:12]}… is not Pyodide {version}'s official"
                f" {official['sha256'][:12]}…, and {NUMPY_POLICY_ENV}=official publishes only"
                f" the official wheel (set {NUMPY_POLICY_ENV}=fallback to vendor this one)"
            )
        copy_if_changed(local, dest / name)
        note = (
            "" if sha == official["sha256"]
            else f"; NOTICE: its sha256 {sha[:12]}… differs from Pyodide's official"
                 f" {official['sha256'][:12]}…, the lock uses the local wheel's"
        )  # fmt: skip
        return NumpySource("local", name, sha, f"numpy vendored from {local_dir}{note}")
    url = CDN.format(version=version) + name
    try:
        data = fetch(url)
    except OSError as exc:
        failure = f"download failed ({exc})"
    else:
        sha = hashlib.sha256(data).hexdigest()
        if sha == official["sha256"]:
            (dest / name).write_bytes(data)
            try:
                local_dir.mkdir(parents=True, exist_ok=True)
                local.write_bytes(data)
            except OSError:
                pass  # only a cache for the next build
            return NumpySource("downloaded", name, sha, f"numpy downloaded from {url}, sha256 ok")
        failure = f"downloaded wheel's sha256 {sha[:12]}… is not the official one"
    if policy == "official":
        raise NumpyNotVerifiedError(
            f"NumPy's official wheel could not be verified: no {name} in {local_dir} and"
            f" {failure}. Put the official wheel in {WHEELS_ENV} (default {DEFAULT_WHEELS_DIR}),"
            f" or set {NUMPY_POLICY_ENV}=fallback to let the site load NumPy from {url}"
        )
    return NumpySource(
        "cdn",
        url,
        official["sha256"],
        f"numpy NOT vendored: no {name} in {local_dir} and {failure}; the lock points at {url}"
        f" (set {WHEELS_ENV} to a directory holding the wheel to self-host it)",
    )
