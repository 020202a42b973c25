"""quizkit.mkdocs.runtime: the engine wheel, the Pyodide copy and NumPy's three sources."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from quizkit.mkdocs import engine_wheel, numpy_wheel, pyodide_stdlib, runtime

ROOT = Path(__file__).resolve().parents[2]
NUMPY_NAME = "numpy-2.2.5-cp313-cp313-pyodide_2025_0_wasm32.whl"
FAKE_NUMPY = b"a stand-in for NumPy's wheel, only ever hashed and copied here"


def site_wheel(site: Path) -> Path:
    (wheel,) = runtime.runtime_folder(site).glob("quizkit_backprop-*-py3-none-any.whl")
    return wheel


def lock(site: Path) -> dict:
    return json.loads(
        (runtime.runtime_folder(site) / "pyodide-lock.json").read_text(encoding="utf-8")
    )


@pytest.fixture
def fake_pyodide(tmp_path) -> Path:
    """A Pyodide package with tiny core files whose lock's NumPy hash is FAKE_NUMPY's."""
    source = runtime.PYODIDE_DIR
    fake = tmp_path / "pyodide-npm"
    fake.mkdir()
    shutil.copy(source / "package.json", fake / "package.json")
    for name in runtime.CORE_FILES:
        (fake / name).write_bytes(f"core file {name}".encode())
    data = json.loads((source / runtime.LOCK).read_text(encoding="utf-8"))
    data["packages"] = {"numpy": data["packages"]["numpy"]}
    data["packages"]["numpy"]["sha256"] = hashlib.sha256(FAKE_NUMPY).hexdigest()
    (fake / runtime.LOCK).write_text(json.dumps(data), encoding="utf-8")
    return fake


def no_network(url):
    raise OSError(f"network disabled in this test ({url})")


@pytest.fixture
def no_node(monkeypatch, tmp_path):
    """Skip the stdlib precompilation (it needs a real Pyodide; tested on its own below), and
    keep the machine's cache of precompiled stdlibs (from real builds) out of the way."""
    monkeypatch.setattr(pyodide_stdlib, "find_node", lambda: None)
    monkeypatch.setattr(pyodide_stdlib, "STDLIB_CACHE", tmp_path / "stdlib-cache")


# -- the wheel ---------------------------------------------------------------------------------


def test_wheel_holds_only_the_engine_and_its_metadata(tmp_path):
    wheel = engine_wheel.build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    engine = sorted(p.relative_to(ROOT).as_posix() for p in engine_wheel.ENGINE_DIR.glob("*.py"))
    info = wheel.name.removesuffix("-py3-none-any.whl") + ".dist-info"
    assert names == ["quizkit/__init__.py", *engine, f"{info}/METADATA", f"{info}/WHEEL",
                     f"{info}/RECORD"]  # fmt: skip
    assert not any(n.startswith(("quizkit/bank", "quizkit/mkdocs", "quizkit/web")) for n in names)
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"{info}/METADATA").decode()
        assert "Name: quizkit-backprop\n" in metadata
        assert "Requires-Dist: numpy\n" in metadata
        assert "Tag: py3-none-any" in archive.read(f"{info}/WHEEL").decode()


def test_wheel_record_matches_every_file(tmp_path):
    wheel = engine_wheel.build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        record_name = next(n for n in archive.namelist() if n.endswith("/RECORD"))
        rows = [line.split(",") for line in archive.read(record_name).decode().splitlines()]
        assert {row[0] for row in rows} == set(archive.namelist())
        for name, digest, size in rows:
            if name == record_name:
                assert digest == size == ""
                continue
            data = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(data)


def test_wheel_rebuilds_byte_identical_and_renames_when_the_engine_changes(tmp_path):
    first = engine_wheel.build_wheel(tmp_path / "a")
    second = engine_wheel.build_wheel(tmp_path / "b")
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()
    changed = tmp_path / "engine"
    shutil.copytree(engine_wheel.ENGINE_DIR, changed, ignore=shutil.ignore_patterns("__pycache__"))
    with (changed / "tensor.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a change\n")
    third = engine_wheel.build_wheel(tmp_path / "c", engine_dir=changed)
    assert third.name != first.name
    assert third.name.startswith(f"quizkit_backprop-{engine_wheel.base_version()}+g")


def test_wheel_installs_and_imports_in_cpython(tmp_path):
    wheel = engine_wheel.build_wheel(tmp_path / "dist")
    target = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "import quizkit.backprop as b, quizkit.backprop.worksheet as w\n"
        "x = b.Tensor(3.0, requires_grad=True); (x * x).backward()\n"
        "print(b.__file__, float(x.grad))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r})\n{probe}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    path, grad = proc.stdout.split()
    assert path.startswith(str(target))
    assert float(grad) == pytest.approx(6.0)


# -- bundle: core files and lock ----------------------------------------------------------------


def test_bundle_copies_the_core_and_registers_the_wheel(tmp_path, no_node):
    site = tmp_path / "site"
    report = runtime.bundle(site, local_wheels=tmp_path / "empty", fetch=no_network)
    present = {p.name for p in runtime.runtime_folder(site).iterdir()}
    assert set(runtime.CORE_FILES) <= present
    assert not {"pyodide.js.map", "pyodide.mjs.map", "console.html"} & present
    for name in runtime.CORE_FILES:
        assert (runtime.runtime_folder(site) / name).read_bytes() == (
            runtime.PYODIDE_DIR / name
        ).read_bytes()
    wheel = site_wheel(site)
    entry = lock(site)["packages"]["quizkit-backprop"]
    assert entry["file_name"] == wheel.name
    assert entry["depends"] == ["numpy"]
    assert entry["imports"] == ["quizkit"]
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert set(lock(site)["packages"]) == {"numpy", "quizkit-backprop"}
    assert report.startswith("Pyodide 0.28.3 (3 core files copied; stdlib NOT precompiled")
    assert ", engine quizkit_backprop-" in report
    # The worker's Python half, as worker.js fetches it.
    shipped = (runtime.runtime_folder(site) / runtime.WORKER_FILE).read_bytes()
    assert shipped == pyodide_stdlib.WORKER_PY.read_bytes()


def test_rebuild_skips_unchanged_core_files_and_drops_stale_wheels(tmp_path, no_node):
    site = tmp_path / "site"
    options = {"local_wheels": tmp_path / "empty", "fetch": no_network}
    runtime.bundle(site, **options)
    stale = runtime.runtime_folder(site) / "quizkit_backprop-0.0.1-py3-none-any.whl"
    stale.write_bytes(b"old")
    old_numpy = runtime.runtime_folder(site) / "numpy-1.0.0-cp313-cp313-pyodide_2025_0_wasm32.whl"
    old_numpy.write_bytes(b"an older NumPy, left by an earlier bundle")
    before = (runtime.runtime_folder(site) / "pyodide.asm.wasm").stat().st_mtime_ns
    report = runtime.bundle(site, **options)
    assert "core unchanged" in report
    assert (runtime.runtime_folder(site) / "pyodide.asm.wasm").stat().st_mtime_ns == before
    assert not stale.exists()
    assert len(list(runtime.runtime_folder(site).glob("quizkit_backprop-*.whl"))) == 1
    assert not list(runtime.runtime_folder(site).glob("numpy-1.0.0-*"))


def location(site: Path) -> str:
    """The folder runtime-location.js names, as the worker imports it."""
    module = (site / "assets" / "quizkit" / runtime.LOCATION_MODULE).read_text(encoding="utf-8")
    match = re.search(r'^export const RUNTIME_FOLDER = "([^"]+)";$', module, re.M)
    assert match, module
    return match.group(1)


def test_the_runtime_folder_is_named_after_its_bytes(tmp_path, fake_pyodide, no_node):
    """Under one folder name a host has one runtime's bytes: the same files give the same
    name wherever they are built, and a change to any byte gives another (sw.js relies on it)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / NUMPY_NAME).write_bytes(FAKE_NUMPY)
    options = {"pyodide_dir": fake_pyodide, "local_wheels": wheels, "fetch": no_network}
    one, two = tmp_path / "one", tmp_path / "two"
    runtime.bundle(one, **options)
    runtime.bundle(two, **options)
    first = runtime.runtime_folder(one)
    assert first.name == runtime.runtime_folder(two).name
    assert re.fullmatch(r"pyodide-[0-9a-f]{16}", first.name)
    assert location(one) == f"{first.name}/"
    assert "pyodide-lock.json" in {p.name for p in first.iterdir()}

    (fake_pyodide / "pyodide.asm.wasm").write_bytes(b"core file pyodide.asm.wasm, changed")
    report = runtime.bundle(one, **options)
    second = runtime.runtime_folder(one)  # the one folder: the earlier one is gone
    assert second.name != first.name and not first.exists()
    assert (second / "pyodide.asm.wasm").read_bytes().endswith(b"changed")
    assert location(one) == f"{second.name}/" and report.endswith(f"in {second.name}/")
    assert not (one / runtime.STAGING).exists()


def test_pages_named_like_the_runtime_are_left_alone(tmp_path, fake_pyodide, no_node):
    """Docs pages at pyodide/, pyodide-tips/ or pyodide-<16 hex>/ (no lock file) are pages:
    the bundle neither takes them into the runtime nor deletes them."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / NUMPY_NAME).write_bytes(FAKE_NUMPY)
    site = tmp_path / "site"
    pages = ["pyodide", "pyodide-tips", "pyodide-0123456789abcdef"]
    for name in pages:
        (site / name).mkdir(parents=True)
        (site / name / "index.html").write_text(f"<title>{name}</title>", encoding="utf-8")
    options = {"pyodide_dir": fake_pyodide, "local_wheels": wheels, "fetch": no_network}
    runtime.bundle(site, **options)
    runtime.bundle(site, **options)  # again, into the same site
    for name in pages:
        assert (site / name / "index.html").read_text(encoding="utf-8") == f"<title>{name}</title>"
        assert {p.name for p in (site / name).iterdir()} == {"index.html"}
    assert "index.html" not in {p.name for p in runtime.runtime_folder(site).iterdir()}


def test_missing_pyodide_package_is_a_clear_error(tmp_path):
    with pytest.raises(runtime.RuntimeBundleError, match="npm ci"):
        runtime.bundle(tmp_path / "site", pyodide_dir=tmp_path / "nowhere")


# -- NumPy's three sources -----------------------------------------------------------------------


def test_numpy_from_the_wheels_directory_is_rehashed_with_a_notice(tmp_path, monkeypatch, no_node):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / NUMPY_NAME).write_bytes(FAKE_NUMPY)
    monkeypatch.setenv(numpy_wheel.WHEELS_ENV, str(wheels))
    fetched = []
    report = runtime.bundle(tmp_path / "site", fetch=fetched.append)
    entry = lock(tmp_path / "site")["packages"]["numpy"]
    assert entry["file_name"] == NUMPY_NAME
    assert entry["sha256"] == hashlib.sha256(FAKE_NUMPY).hexdigest()
    assert (runtime.runtime_folder(tmp_path / "site") / NUMPY_NAME).read_bytes() == FAKE_NUMPY
    assert f"numpy vendored from {wheels}" in report
    assert "NOTICE" in report and "differs from Pyodide's official" in report
    assert fetched == []  # a local wheel means no network at all


def test_numpy_with_the_official_hash_gets_no_notice(tmp_path, fake_pyodide, no_node):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / NUMPY_NAME).write_bytes(FAKE_NUMPY)
    report = runtime.bundle(tmp_path / "site", pyodide_dir=fake_pyodide, local_wheels=wheels)
    assert "numpy vendored from" in report and "NOTICE" not in report


def test_default_wheels_directory_is_in_the_users_cache(monkeypatch):
    monkeypatch.delenv(numpy_wheel.WHEELS_ENV, raising=False)
    assert numpy_wheel.wheels_dir() == Path("~/.cache/backprop-lab/wheels").expanduser()
    monkeypatch.setenv(numpy_wheel.WHEELS_ENV, "/somewhere/else")
    assert numpy_wheel.wheels_dir() == Path("/somewhere/else")


def test_numpy_downloaded_from_the_cdn_when_its_hash_is_official(tmp_path, fake_pyodide, no_node):
    wheels = tmp_path / "wheels"
    urls = []

    def fetch(url):
        urls.append(url)
        return FAKE_NUMPY

    site = tmp_path / "site"
    report = runtime.bundle(site, pyodide_dir=fake_pyodide, local_wheels=wheels, fetch=fetch)
    assert urls == [f"https://cdn.jsdelivr.net/pyodide/v0.28.3/full/{NUMPY_NAME}"]
    assert (runtime.runtime_folder(site) / NUMPY_NAME).read_bytes() == FAKE_NUMPY
    assert (wheels / NUMPY_NAME).read_bytes() == FAKE_NUMPY  # kept for the next build
    assert lock(site)["packages"]["numpy"]["file_name"] == NUMPY_NAME
    assert "numpy downloaded from https://cdn.jsdelivr.net/" in report and "sha256 ok" in report


def test_downloaded_numpy_with_a_wrong_hash_is_not_used(tmp_path, fake_pyodide, no_node):
    site = tmp_path / "site"
    report = runtime.bundle(site, pyodide_dir=fake_pyodide, local_wheels=tmp_path / "wheels",
                            fetch=lambda url: b"tampered")  # fmt: skip
    assert not (runtime.runtime_folder(site) / NUMPY_NAME).exists()
    assert not (tmp_path / "wheels" / NUMPY_NAME).exists()
    entry = lock(site)["packages"]["numpy"]
    assert entry["file_name"].startswith("https://cdn.jsdelivr.net/pyodide/v0.28.3/full/")
    assert entry["sha256"] == hashlib.sha256(FAKE_NUMPY).hexdigest()
    assert "numpy NOT vendored" in report and "is not the official one" in report


def test_offline_build_points_the_lock_at_the_cdn(tmp_path, fake_pyodide, no_node):
    site = tmp_path / "site"
    report = runtime.bundle(site, pyodide_dir=fake_pyodide, local_wheels=tmp_path / "wheels",
                            fetch=no_network)  # fmt: skip
    entry = lock(site)["packages"]["numpy"]
    assert entry["file_name"] == f"https://cdn.jsdelivr.net/pyodide/v0.28.3/full/{NUMPY_NAME}"
    assert "numpy NOT vendored" in report and "download failed" in report
    assert numpy_wheel.WHEELS_ENV in report  # says how to self-host it


def test_download_fails_fast_when_nothing_answers(tmp_path):
    import socket
    import time

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(OSError):
        numpy_wheel.download(f"http://127.0.0.1:{port}/numpy.whl", timeout=2)
    assert time.monotonic() - started < 3


# -- the precompiled standard library -------------------------------------------------------------


@pytest.fixture(scope="module")
def precompiled(tmp_path_factory):
    """A real bundle (NumPy from the wheels directory when present) with its stdlib compiled."""
    if pyodide_stdlib.find_node() is None:
        pytest.skip("node is not installed: the stdlib cannot be precompiled here")
    tmp = tmp_path_factory.mktemp("precompiled")
    report = runtime.bundle(tmp / "site", stdlib_cache=tmp / "cache", fetch=no_network)
    return tmp, report


def test_start_up_modules_of_the_stdlib_are_precompiled(precompiled):
    tmp, report = precompiled
    assert "start-up stdlib and " in report and "cached" not in report
    with zipfile.ZipFile(runtime.PYODIDE_DIR / runtime.STDLIB) as original:
        sources = {n for n in original.namelist() if n.endswith(".py")}
    with zipfile.ZipFile(runtime.runtime_folder(tmp / "site") / runtime.STDLIB) as built:
        names = set(built.namelist())
        compiled = {n[:-1] for n in names if n.endswith(".pyc")}
        header = built.read("encodings/__init__.pyc")[:16]
    # Every module is there once: compiled or as its source, never both, never lost.
    assert compiled | {n for n in names if n.endswith(".py")} == sources
    assert not compiled & names
    assert {"encodings/__init__.py", "traceback.py", "ast.py", "json/__init__.py"} <= compiled
    assert 50 < len(compiled) < len(sources) / 2  # only what starting up needs
    assert header[4:8] == (0b01).to_bytes(4, "little")  # hash-based, unchecked .pyc


def test_precompiled_stdlib_is_cached_and_rebuilds_identically(precompiled):
    tmp, _ = precompiled
    first = (runtime.runtime_folder(tmp / "site") / runtime.STDLIB).read_bytes()
    report = runtime.bundle(tmp / "again", stdlib_cache=tmp / "cache", fetch=no_network)
    assert "engine modules precompiled (cached)" in report
    assert (runtime.runtime_folder(tmp / "again") / runtime.STDLIB).read_bytes() == first
    assert site_wheel(tmp / "again").read_bytes() == site_wheel(tmp / "site").read_bytes()


def test_engine_wheel_ships_an_unchecked_pyc_beside_every_module(precompiled):
    tmp, report = precompiled
    sources = engine_wheel.engine_files()
    assert f"{len(sources)} engine modules precompiled" in report
    with zipfile.ZipFile(site_wheel(tmp / "site")) as wheel:
        names = wheel.namelist()
        pycs = {n: wheel.read(n) for n in names if n.endswith(".pyc")}
        assert {n for n in names if n.endswith(".py")} == set(sources)  # sources kept
    for path in sources:
        folder, _, name = path.rpartition("/")
        (pyc,) = [n for n in pycs if n.startswith(f"{folder}/__pycache__/{name[:-3]}.cpython-")]
        assert pycs[pyc][4:8] == (0b01).to_bytes(4, "little"), pyc  # hash-based, unchecked
    # The lock names the wheel with the .pyc files, and only that wheel is in the site.
    assert (
        lock(tmp / "site")["packages"]["quizkit-backprop"]["file_name"]
        == site_wheel(tmp / "site").name
    )


def test_engine_pycs_compile_to_the_same_bytes_without_the_cache(precompiled):
    tmp, _ = precompiled
    runtime.bundle(tmp / "fresh", stdlib_cache=tmp / "fresh-cache", fetch=no_network)
    assert site_wheel(tmp / "fresh").read_bytes() == site_wheel(tmp / "site").read_bytes()


def test_a_pyc_compiled_from_other_bytes_than_the_wheels_source_is_left_out(tmp_path):
    archive = tmp_path / "pycs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("pkg/__pycache__/a.cpython-313.pyc", b"pyc of a")
        zipped.writestr("pkg/__pycache__/b.cpython-313.pyc", b"pyc of an older b")
        compiled_from = {"pkg/a.py": b"a = 1\n", "pkg/b.py": b"b = 1\n"}
        digests = {p: hashlib.sha256(d).hexdigest() for p, d in compiled_from.items()}
        zipped.writestr(pyodide_stdlib.PYC_SOURCES, json.dumps(digests))
    sources = {"pkg/a.py": b"a = 1\n", "pkg/b.py": b"b = 2\n"}
    assert pyodide_stdlib.engine_pycs(archive, sources) == {
        "pkg/__pycache__/a.cpython-313.pyc": b"pyc of a"
    }


def test_without_node_the_original_stdlib_is_used(tmp_path, no_node):
    report = runtime.bundle(tmp_path / "site", stdlib_cache=tmp_path / "cache", fetch=no_network)
    assert "stdlib NOT precompiled (node not found)" in report
    built = (runtime.runtime_folder(tmp_path / "site") / runtime.STDLIB).read_bytes()
    assert built == (runtime.PYODIDE_DIR / runtime.STDLIB).read_bytes()
