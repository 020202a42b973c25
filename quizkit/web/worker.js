// The Python worker: one per page load, started by runtime.js as a MODULE worker. It boots
// Pyodide from the site's own runtime folder (pyodide-<hash>/, named after its contents by
// quizkit/mkdocs/runtime.py, which writes that name into runtime-location.js), installs NumPy
// and the engine wheel, and then answers requests one at a time:
//   {id, type: "run", code}                         -> {type: "result", id, ok, error, graphs}
//   {id, type: "evaluate", code, params, values, root} -> {type: "result", id, ok, value}
//   {id, type: "draw", params, seed}                 -> {type: "result", id, ok, value}
//   {id, type: "numbers", spec, seed}                -> {type: "result", id, ok, value}
// "numbers" is "New numbers" in one round trip: worksheet.new_numbers draws params that keep
// the exercise's rules (constraints, mistakes apart from the key ...) and evaluates them, so
// the rules live in Python alone, as the bank checker applies them.
// `graphs` holds what each show_graph call of the run asked to draw (quizkit.backprop.tracing
// builds each one; cells.js draws them).
// While a run executes it streams {type: "stdout"|"stderr", id, text}. Progress and failures
// of the boot are {type: "status", status, message, python, updated} (updated: a file of the
// page's build is gone from the site because the course was published again since). A runaway
// request cannot be interrupted from here (that needs cross-origin isolation, which static
// hosts do not give): runtime.js terminates this worker and starts a new one.

import { RUNTIME_FOLDER } from "./runtime-location.js";

// null: the site was built without the runtime (quizkit bundle --no-runtime).
const PYODIDE_BASE = RUNTIME_FOLDER === null ? null : new URL(`../../${RUNTIME_FOLDER}`, import.meta.url).href;
const ENGINE = "quizkit-backprop";
const OUTPUT_LIMIT = 1_000_000; // characters per run; a print loop must not flood the page
const FLUSH_MS = 40;

let pyodide = null;
let helpers = null;
let engineError = null;

const post = (message) => self.postMessage(message);
const status = (state, message = "", extra = {}) => post({ type: "status", status: state, message, ...extra });

// -- fetching the wheels while the interpreter starts -----------------------------------------
// Pyodide fetches its own wasm, standard library and lock file in parallel, but it only asks
// for package wheels once Python is running. We start those downloads at once and hand the
// responses to Pyodide when it asks, so the wheels arrive while the interpreter boots. The
// browser checks each one against the lock's sha256 (fetch's `integrity`), as Pyodide would.
const prefetched = new Map();
const nativeFetch = self.fetch.bind(self);
// The course's service worker answers 503 "Site updated" (quizkit/web/sw.js, runtimeFile) for a
// file of the page's build that a newer deploy has replaced. Any such answer, to any request
// of this worker's, makes a failure to start say that the course was updated.
let siteUpdated = false;
const realFetch = (input, init) =>
  nativeFetch(input, init).then((response) => {
    if (response.status === 503 && response.statusText === "Site updated") siteUpdated = true;
    return response;
  });
// Pyodide logs a failed download of these and then waits forever; watching them here turns
// that into an explanation at once.
const ESSENTIAL = ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];
let bootFailure = null;

function bootFailed(message) {
  if (bootFailure || pyodide) return;
  bootFailure = message;
  status("error", `Python could not be started: ${message}`, { python: false, updated: siteUpdated });
}

function watched(response, name) {
  response.then(
    (r) => r.ok || bootFailed(`${name} could not be downloaded (HTTP ${r.status})`),
    (error) => bootFailed(`${name} could not be downloaded (${error.message || error})`),
  );
  return response;
}

self.fetch = (input, init) => {
  const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
  const key = new URL(url, self.location.href).href;
  const hit = prefetched.get(key);
  if (hit) {
    prefetched.delete(key);
    return hit;
  }
  const name = ESSENTIAL.find((file) => key === PYODIDE_BASE + file);
  return name ? watched(realFetch(input, init), name) : realFetch(input, init);
};

// Which of the files Python needs have finished downloading, so that a slow start can be put
// down to what is slow: the network while a file is still arriving, this device once all have
// arrived. Resource Timing records a file when its last byte is in. Sent as
// {type: "downloads", pending: [file names still arriving]}.
const downloads = new Map(ESSENTIAL.map((name) => [name, false]));

function reportDownloads() {
  const pending = [...downloads].filter(([, done]) => !done).map(([name]) => name);
  post({ type: "downloads", pending });
}

if (typeof PerformanceObserver === "function") {
  new PerformanceObserver((list) => {
    let changed = false;
    for (const entry of list.getEntries()) {
      const name = decodeURIComponent(new URL(entry.name).pathname.split("/").pop());
      if (downloads.get(name) === false) {
        downloads.set(name, true);
        changed = true;
      }
    }
    if (changed) reportDownloads();
  }).observe({ type: "resource", buffered: true });
}

function hexToBase64(hex) {
  let bytes = "";
  for (let i = 0; i < hex.length; i += 2) bytes += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(bytes);
}

function prefetchWheels(lock) {
  for (const name of ["numpy", ENGINE]) {
    const entry = lock.packages[name];
    if (!entry) continue;
    const url = new URL(entry.file_name, PYODIDE_BASE).href;
    const response = realFetch(url, { integrity: `sha256-${hexToBase64(entry.sha256)}` });
    response.catch(() => {}); // reported when Pyodide asks for it
    prefetched.set(url, response);
    downloads.set(entry.file_name, false);
  }
  reportDownloads();
}

// -- the Python half ----------------------------------------------------------------------------
// quizkit/runtime_py/worker.py, which the build copies next to the wheels. It is fetched at
// once, while the interpreter boots, and imported as a module of its own directory (not of
// the engine wheel: plain Python still runs when NumPy or the engine fails to load).
const WORKER_PY = "quizkit_worker.py";
const WORKER_HOME = "/quizkit-runtime";
const workerResponse = PYODIDE_BASE === null ? Promise.reject(new Error("no runtime")) : realFetch(PYODIDE_BASE + WORKER_PY);
const workerSource = workerResponse.then((r) => {
  if (!r.ok) throw new Error(`${WORKER_PY} could not be downloaded (HTTP ${r.status})`);
  return r.text();
});
workerSource.catch(() => {}); // reported by boot()

async function importWorkerPy() {
  const source = await workerSource;
  pyodide.FS.mkdirTree(WORKER_HOME);
  pyodide.FS.writeFile(`${WORKER_HOME}/${WORKER_PY}`, source);
  pyodide.pyimport("sys").path.insert(0, WORKER_HOME);
  const module = pyodide.pyimport(WORKER_PY.replace(/\.py$/, ""));
  module.install();
  return module;
}

// -- streams ------------------------------------------------------------------------------------
let current = null; // {id, sent, buffers}
const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

function flush(force = false) {
  if (!current) return;
  const now = performance.now();
  if (!force && now - current.flushedAt < FLUSH_MS) return;
  current.flushedAt = now;
  for (const stream of ["stdout", "stderr"]) {
    const text = current.buffers[stream];
    if (text) {
      post({ type: stream, id: current.id, text });
      current.buffers[stream] = "";
    }
  }
}

function writer(stream) {
  return (bytes) => {
    if (!current) return bytes.length;
    const text = decoders[stream].decode(bytes, { stream: true });
    if (current.sent < OUTPUT_LIMIT) {
      const room = OUTPUT_LIMIT - current.sent;
      current.buffers[stream] += text.slice(0, room);
      current.sent += Math.min(text.length, room);
      if (current.sent >= OUTPUT_LIMIT) {
        current.buffers.stderr += `\n[output stopped after ${OUTPUT_LIMIT.toLocaleString("en")} characters]\n`;
      }
    }
    // A print loop runs synchronously, so flushing here (not on a timer) keeps output live.
    flush();
    return bytes.length;
  };
}

// -- boot ---------------------------------------------------------------------------------------

async function loadPackage(name, label) {
  const errors = [];
  await pyodide.loadPackage(name, {
    messageCallback: () => {},
    errorCallback: (message) => errors.push(message),
  });
  // loadPackage resolves even when a download or its integrity check failed.
  if (!pyodide.loadedPackages[name]) {
    const detail = errors.join(" ").trim() || "no details were given";
    throw new Error(`${label} could not be loaded: ${detail}`);
  }
}

async function boot() {
  const started = performance.now();
  // Milliseconds from the worker's start to each stage, reported with "ready" (bench/startup.py).
  const timings = {};
  const mark = (name) => (timings[name] = Math.round(performance.now() - started));
  status("loading-python", "Loading Python…");
  if (PYODIDE_BASE === null) {
    bootFailed("this copy of the course was built without its Python runtime");
    return;
  }
  reportDownloads();
  const lock = watched(realFetch(PYODIDE_BASE + "pyodide-lock.json"), "pyodide-lock.json");
  const lockText = lock.then((r) => r.text());
  lockText.then((text) => prefetchWheels(JSON.parse(text))).catch(() => {});
  let module;
  try {
    module = await import(new URL("pyodide.mjs", PYODIDE_BASE).href);
    mark("loader");
    pyodide = await module.loadPyodide({
      indexURL: PYODIDE_BASE,
      packageBaseUrl: PYODIDE_BASE,
      lockFileContents: lockText,
      stdin: () => null,
    });
  } catch (error) {
    // A loader that could not be imported says only that (a module's fetch is not seen here):
    // the lock file's answer, or the loader's own asked for again, tells whether the site was
    // updated since.
    await lock.catch(() => {});
    if (!module) await realFetch(new URL("pyodide.mjs", PYODIDE_BASE).href).catch(() => {});
    bootFailed(error.message || String(error));
    return;
  }
  // After a fatal error (a crash in native code, the interpreter exiting) Pyodide is unusable
  // and a pending call never settles; tell the page, which replaces this worker.
  if (pyodide._api) {
    pyodide._api.on_fatal = (error) => {
      flush(true);
      post({ type: "fatal", message: String((error && error.message) || error) });
    };
  }
  mark("python");
  pyodide.setStdout({ write: writer("stdout") });
  pyodide.setStderr({ write: writer("stderr") });
  try {
    helpers = await importWorkerPy();
  } catch (error) {
    // Without its Python half the worker can answer nothing: as if Python had not started.
    pyodide = null;
    bootFailed(error.message || String(error));
    return;
  }
  try {
    status("loading-numpy", "Loading NumPy…");
    await loadPackage("numpy", "NumPy");
    mark("numpy");
    status("loading-engine", "Loading the course's engine…");
    await loadPackage(ENGINE, "The course's engine (quizkit.backprop)");
    mark("engine");
    // Import now what a first run needs, so the learner's first run does not pay for it;
    // the rest follows once the worker is ready (warmUpLater).
    helpers.warm_up(false);
    mark("imported");
  } catch (error) {
    engineError = error.message || String(error);
    status("error", engineError, { python: true, updated: siteUpdated });
    return;
  }
  status("ready", "Python is ready.", { python: true, ms: mark("ready"), timings });
  warmUpLater();
}

// The engine's modules a first run does not need (worksheet for trace checks, nn, ...), one
// per task: a request that arrives meanwhile waits for one import at most, not all of them.
function warmUpLater(delayMs = 0) {
  setTimeout(() => {
    if (current) return warmUpLater(50); // a cell awaiting something: not in the middle of it
    try {
      if (helpers.warm_up_next()) warmUpLater();
    } catch {
      // The request that needs the module imports it again and reports the error itself.
    }
  }, delayMs);
}

const booted = boot();

// -- requests ------------------------------------------------------------------------------------
function isFatal(error) {
  // A PythonError is the learner's; anything else means the interpreter itself broke.
  return !(pyodide && error instanceof pyodide.ffi.PythonError);
}

async function handle(message) {
  const { id, type } = message;
  await booted;
  if (!pyodide) {
    post({ type: "result", id, ok: false, error: "Python is not available." });
    return;
  }
  if (type !== "run" && engineError) {
    post({ type: "result", id, ok: false, error: engineError });
    return;
  }
  current = { id, sent: 0, flushedAt: 0, buffers: { stdout: "", stderr: "" } };
  try {
    if (type === "run") {
      const { error, graphs } = JSON.parse(await helpers.run_cell(message.code));
      flush(true);
      post({ type: "result", id, ok: error === null, error, graphs });
    } else if (type === "evaluate") {
      const request = JSON.stringify({ code: message.code, params: message.params, values: message.values, root: message.root });
      post({ type: "result", id, ok: true, value: JSON.parse(helpers.evaluate(request)) });
    } else if (type === "numbers") {
      const request = JSON.stringify({ spec: message.spec, seed: message.seed });
      post({ type: "result", id, ok: true, value: JSON.parse(helpers.new_numbers(request)) });
    } else {
      post({ type: "result", id, ok: false, error: `unknown request ${type}` });
    }
  } catch (error) {
    flush(true);
    const fatal = isFatal(error);
    const text = fatal ? String(error && error.message ? error.message : error) : lastLine(error.message);
    post({ type: "result", id, ok: false, error: text, fatal });
  } finally {
    current = null;
  }
}

function lastLine(message) {
  // worksheet errors are ValueErrors with a clear last line; the traceback above it is ours.
  // "quizkit.backprop.worksheet.DrawError: ..." reads better without the module path.
  const lines = String(message).trim().split("\n");
  return lines[lines.length - 1].replace(/^(?:\w+\.)+(\w+: )/, "$1");
}

let queue = Promise.resolve();
self.addEventListener("message", (event) => {
  queue = queue.then(() => handle(event.data));
});
