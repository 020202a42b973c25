// Runs in Node (quizkit.mkdocs.runtime's stdlib step, as an ES module): boots Pyodide from
// the site being built, imports what the page's worker imports (worker.py, its
// STARTUP_MODULES and LATER_MODULES, with the engine wheel when NumPy is self-hosted), then
// writes the stdlib zip with those modules compiled (compile_stdlib.py) and prints how many.
// When the build put the engine wheel's sources in <out dir>/engine, it compiles them too,
// in place (compile_tree), and prints how many on a second line.
//   node --input-type=module -e <this file> -- <pyodide.mjs URL> <indexURL> <stdlib zip>
//        <out dir> <withPackages 0|1> <worker.py> <compile_stdlib.py>
import { readFileSync } from "node:fs";

const [loader, indexURL, stdLibURL, outDir, withPackages, workerPy, compilePy] = process.argv.slice(1);
const { loadPyodide } = await import(loader);
const pyodide = await loadPyodide({ indexURL, stdLibURL });
if (withPackages === "1") {
  await pyodide.loadPackage("quizkit-backprop", { messageCallback() {}, errorCallback() {} });
}
pyodide.FS.mkdirTree("/out");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: outDir }, "/out");
// As worker.js puts worker.py: a module of its own directory, first on sys.path.
const HOME = "/quizkit-runtime";
pyodide.FS.mkdirTree(HOME);
pyodide.pyimport("sys").path.insert(0, HOME);
const load = (path, name) => {
  pyodide.FS.writeFile(`${HOME}/${name}.py`, readFileSync(path, "utf8"));
  return pyodide.pyimport(name);
};
const worker = load(workerPy, "quizkit_worker");
try {
  worker.warm_up();
} catch (error) {
  // NumPy is not self-hosted: compile what starting Python and the worker alone need.
}
const compiler = load(compilePy, "quizkit_compile_stdlib");
console.log(compiler.compile_stdlib("/out/python_stdlib.zip"));
if (pyodide.FS.analyzePath("/out/engine").exists) {
  const sitePackages = pyodide.runPython('import sysconfig; sysconfig.get_path("purelib")');
  console.log(compiler.compile_tree("/out/engine", sitePackages));
}
