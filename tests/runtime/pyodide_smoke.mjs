// Runs the engine under Pyodide in Node, from a built site's runtime folder (pyodide-<hash>/):
//   node pyodide_smoke.mjs <site>/pyodide-<hash>/ <pure-python libs dir> <root dir> <request.json>
// installs the site's NumPy and engine wheels the way the browser does (loadPackage by name),
// checks what loadPackage reports, imports every engine module noting which Python compiled
// from source (none should be: the wheel ships their .pyc), then runs pytest (from the libs dir) on <root>/tests/engine
// (importable as tests.engine, as in the repository) and the worked-exercise and draw checks
// of request.json. Prints one JSON line starting with "RESULT ", holding each test file's
// outcomes (passed, failed, skipped counts and collection errors): the caller judges them,
// since some files are expected to fail there. Exits non-zero only if loading failed.
import { readFileSync } from "node:fs";
import { loadPyodide } from "pyodide";

const [indexURL, libs, root, requestPath] = process.argv.slice(2);
const request = readFileSync(requestPath, "utf8");

const pyodide = await loadPyodide({ indexURL });
const errors = [];
await pyodide.loadPackage("quizkit-backprop", {
  messageCallback: () => {},
  errorCallback: (message) => errors.push(message),
});
const loaded = Object.keys(pyodide.loadedPackages).sort();
if (!loaded.includes("numpy") || !loaded.includes("quizkit-backprop")) {
  console.log(`RESULT ${JSON.stringify({ ok: false, loaded, errors })}`);
  process.exit(2);
}
const { FS } = pyodide;
for (const [dir, mount] of [[libs, "/host/libs"], [root, "/host/root"]]) {
  FS.mkdirTree(mount);
  FS.mount(FS.filesystems.NODEFS, { root: dir }, mount);
}
pyodide.globals.set("REQUEST", request);
const result = await pyodide.runPythonAsync(`
import importlib, json, pkgutil, sys
from importlib import _bootstrap_external

# Every module Python compiles from its source passes here; one with a usable .pyc does not.
compiled = []
_source_to_code = _bootstrap_external.SourceLoader.source_to_code


def _spy(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return _source_to_code(self, data, path, *args, **kwargs)


_bootstrap_external.SourceLoader.source_to_code = _spy
sys.path.append("/host/libs")
sys.path.append("/host/root")
import numpy
import quizkit.backprop
from quizkit.backprop import worksheet

engine_modules = sorted(
    m.name for m in pkgutil.iter_modules(quizkit.backprop.__path__, "quizkit.backprop.")
)
for name in engine_modules:
    importlib.import_module(name)
engine_compiled = [p for p in compiled if "/quizkit/" in p]
_bootstrap_external.SourceLoader.source_to_code = _source_to_code

spec = json.loads(REQUEST)
engine_file = quizkit.backprop.__file__
import pytest


class Outcomes:
    """Each test file's results: a file that fails to import is counted, not lost."""

    def __init__(self):
        self.files = {}

    def _counts(self, nodeid):
        name = nodeid.split("::")[0].rsplit("/", 1)[-1]
        return self.files.setdefault(name, {"passed": 0, "failed": 0, "skipped": 0, "errors": []})

    def pytest_collectreport(self, report):
        if report.failed:
            self._counts(report.nodeid)["errors"].append(str(report.longrepr)[-300:])

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self._counts(report.nodeid)[report.outcome] += 1


outcomes = Outcomes()
code = int(pytest.main(
    ["-q", "-p", "no:cacheprovider", "-o", "addopts=", "--continue-on-collection-errors",
     "/host/root/tests/engine"],
    plugins=[outcomes],
))
evaluated = worksheet.evaluate(spec["code"], spec["params"], spec["values"], spec["root"])
drawn = [worksheet.draw(spec["draw_params"], seed) for seed in spec["seeds"]]
json.dumps({
    "pytest": code,
    "files": outcomes.files,
    "numpy": numpy.__version__,
    "engine_file": engine_file,
    "engine_modules": engine_modules,
    "engine_compiled_from_source": engine_compiled,
    "platform": sys.platform,
    "values": evaluated["values"],
    "graph_nodes": len(evaluated["graph"]["nodes"]),
    "drawn": drawn,
})
`);
const summary = JSON.parse(result);
console.log(`RESULT ${JSON.stringify({ loaded, errors, ...summary })}`);
