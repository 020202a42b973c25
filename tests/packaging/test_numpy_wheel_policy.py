"""PYODIDE_NUMPY=official: a site to publish vendors Pyodide's official NumPy wheel or fails.

Under "fallback" (previews, tests) the build may vendor a rebuilt wheel or point the site at
Pyodide's CDN; those cases are tested in tests/runtime/test_runtime_bundle.py.
"""

from __future__ import annotations

import hashlib

import pytest

from quizkit.mkdocs import numpy_wheel as runtime

NAME = "numpy-2.2.5-cp313-cp313-pyodide_2025_0_wasm32.whl"
OFFICIAL = b"the bytes whose sha256 the official lock lists"
REBUILT = b"a wheel built elsewhere: same name, other bytes"
ENTRY = {"file_name": NAME, "sha256": hashlib.sha256(OFFICIAL).hexdigest()}


def no_network(url):
    raise OSError(f"network disabled in this test ({url})")


def vendor(tmp_path, *, local: bytes | None = None, fetch=no_network, policy="official"):
    wheels = tmp_path / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    if local is not None:
        (wheels / NAME).write_bytes(local)
    dest = tmp_path / "site"
    dest.mkdir(exist_ok=True)
    source = runtime.vendor_numpy(
        ENTRY, dest, "0.28.3", local_dir=wheels, fetch=fetch, policy=policy
    )
    return source, dest, wheels


def test_offline_fails_instead_of_pointing_at_the_cdn(tmp_path):
    with pytest.raises(runtime.NumpyNotVerifiedError) as error:
        vendor(tmp_path)
    message = str(error.value)
    assert "download failed" in message and "network disabled" in message
    assert "PYODIDE_NUMPY=fallback" in message  # the explicit way out
    assert runtime.WHEELS_ENV in message  # and the way to provide the wheel
    assert list((tmp_path / "site").iterdir()) == []


def test_a_download_with_another_hash_fails_and_is_not_kept(tmp_path):
    with pytest.raises(runtime.NumpyNotVerifiedError, match="is not the official one"):
        vendor(tmp_path, fetch=lambda url: REBUILT)
    assert list((tmp_path / "site").iterdir()) == []
    assert list((tmp_path / "wheels").iterdir()) == []


def test_a_local_wheel_with_another_hash_fails_naming_it(tmp_path):
    fetched = []
    with pytest.raises(runtime.NumpyNotVerifiedError) as error:
        vendor(tmp_path, local=REBUILT, fetch=fetched.append)
    assert str(tmp_path / "wheels" / NAME) in str(error.value)
    assert hashlib.sha256(REBUILT).hexdigest()[:12] in str(error.value)
    assert list((tmp_path / "site").iterdir()) == []
    assert fetched == []


def test_the_official_wheel_is_vendored_from_the_cache_or_a_verified_download(tmp_path):
    source, dest, _ = vendor(tmp_path / "cached", local=OFFICIAL)
    assert source.how == "local" and (dest / NAME).read_bytes() == OFFICIAL
    source, dest, wheels = vendor(tmp_path / "downloaded", fetch=lambda url: OFFICIAL)
    assert source.how == "downloaded" and (dest / NAME).read_bytes() == OFFICIAL
    assert (wheels / NAME).read_bytes() == OFFICIAL  # cached for the next build


def test_fallback_still_points_at_the_cdn(tmp_path):
    source, dest, _ = vendor(tmp_path, policy="fallback")
    assert source.how == "cdn" and source.file_name.endswith(NAME)
    assert source.file_name.startswith("https://")


def test_the_policy_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.NUMPY_POLICY_ENV, "official")
    with pytest.raises(runtime.NumpyNotVerifiedError):
        vendor(tmp_path, policy=None)
    monkeypatch.delenv(runtime.NUMPY_POLICY_ENV)
    assert vendor(tmp_path, policy=None)[0].how == "cdn"  # unset: previews and tests
    monkeypatch.setenv(runtime.NUMPY_POLICY_ENV, "strict")
    with pytest.raises(runtime.RuntimeBundleError, match="PYODIDE_NUMPY='strict'.*official"):
        vendor(tmp_path, policy=None)
