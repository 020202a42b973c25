// Runs the engine under Pyodide in Node, from a built site's pyodide/ folder:
//   node pyodide_smoke.mjs <site>/pyodide/ <pure-python libs dir> <engine tests dir> <request.json>
// installs the site's NumPy and engine wheels the way the browser does (loadPackage by name),
// checks what loadPackage reports, then runs pytest (from the libs dir) on the engine tests
// and the worked-exercise and draw checks of request.json. Prints one JSON line starting
// with "RESULT " and exits non-zero when anything failed.
import { readFileSync } from "node:fs";
import { loadPyodide } from "pyodide";

const [indexURL, libs, tests, requestPath] = process.argv.slice(2);
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
for (const [dir, mount] of [[libs, "/host/libs"], [tests, "/host/tests"]]) {
  FS.mkdirTree(mount);
  FS.mount(FS.filesystems.NODEFS, { root: dir }, mount);
}
pyodide.globals.set("REQUEST", request);
const result = await pyodide.runPythonAsync(`
import json, sys
sys.path.append("/host/libs")
import numpy
import quizkit.backprop
from quizkit.backprop import worksheet

spec = json.loads(REQUEST)
engine_file = quizkit.backprop.__file__
import pytest
code = int(pytest.main(["-q", "-p", "no:cacheprovider", "-o", "addopts=", "/host/tests"]))
evaluated = worksheet.evaluate(spec["code"], spec["params"], spec["values"], spec["root"])
drawn = [worksheet.draw(spec["draw_params"], seed) for seed in spec["seeds"]]
json.dumps({
    "pytest": code,
    "numpy": numpy.__version__,
    "engine_file": engine_file,
    "platform": sys.platform,
    "values": evaluated["values"],
    "graph_nodes": len(evaluated["graph"]["nodes"]),
    "drawn": drawn,
})
`);
const summary = JSON.parse(result);
console.log(`RESULT ${JSON.stringify({ ok: summary.pytest === 0, loaded, errors, ...summary })}`);
process.exit(summary.pytest === 0 ? 0 : 1);
