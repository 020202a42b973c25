// The page's Python runtime: a client for worker.js, shared by every widget of the page.
//
//   import { getRuntime } from "./runtime.js";
//   const runtime = getRuntime();
//   runtime.addEventListener("status", (event) => console.log(event.detail)); // {status, message, python}
//   await runtime.run(code, { onStdout, onStderr, onStart, timeoutMs }); // -> {ok, error, graphs}
//   await runtime.evaluate({ code, params, values, root });             // -> {values, graph}
//   await runtime.numbers(spec, seed);         // -> {params, values, graph, fallback, ...}
//   runtime.stop();
//
// One worker serves the whole page load: this module is evaluated once, and Material's
// instant navigation swaps page content without reloading it. The worker starts on first
// use (or when a runnable widget has been on screen for a second, see prefetchWhenSeen).
// Requests run one at a time; a request that outlives its time limit, or is stopped, ends
// by terminating the worker, and a fresh one starts at once, so the page never freezes.
import { initCells } from "./cells.js";
import { onEveryPage } from "./dom.js";
import { initNumericTraces } from "./numeric-trace-live.js";

export const RUN_TIMEOUT_MS = 30_000;
export const EVALUATE_TIMEOUT_MS = 10_000;
// A slow start gets a word within the 10 s a learner should ever wait without one.
export const SLOW_BOOT_MS = 8_000;
const PREFETCH_AFTER_MS = 1000;

const EXPLAIN_NO_PYTHON =
  "Python could not be started in this browser, so code cannot run here. You may be offline, " +
  "or a file of the site is missing. Everything else on the page still works: quiz answers are " +
  "checked without Python, and trace exercises keep their printed numbers.";
const EXPLAIN_NO_NUMPY =
  "NumPy or the course's engine could not be loaded, so code that uses them cannot run here " +
  "(plain Python still runs). You may be offline, or the site is missing its NumPy file. Quiz " +
  "answers are still checked, and trace exercises keep their printed numbers.";

/**
 * Why the start is slow, from what the worker reported: `pending` lists the files still
 * downloading (null before the worker said anything, so nothing is claimed).
 */
export function slowNote(pending) {
  const usual = "This is taking longer than usual:";
  if (pending === null) return `${usual} the download or this device may be slow.`;
  if (pending.length) {
    return `${usual} ${pending.join(", ")} ${pending.length > 1 ? "are" : "is"} still downloading, so the network may be slow or blocked.`;
  }
  return `${usual} every file has downloaded, but starting Python is slow on this device (it may be busy). It should be ready soon.`;
}

// The notice's Reload switches to the new version (offline.js); the browser's own reload would
// keep this page's version, and this message.
const EXPLAIN_UPDATED =
  "The course has been updated since this page was opened, and files of its Python that this " +
  "page needs are no longer on the site. Choose Reload in the notice about the new version (it " +
  "appears once the new version has downloaded) to run code again; your answers are kept. " +
  "Everything else on the page still works.";

function explain(detail) {
  if (detail.status !== "error") return detail.message;
  if (detail.updated) return `${EXPLAIN_UPDATED} (Details: ${detail.message})`;
  const why = detail.python ? EXPLAIN_NO_NUMPY : EXPLAIN_NO_PYTHON;
  return `${why} (Details: ${detail.message})`;
}

class Runtime extends EventTarget {
  constructor() {
    super();
    this.worker = null;
    this.detail = { status: "idle", message: "Python has not been started.", python: false };
    this.queue = [];
    this.active = null;
    this.nextId = 1;
    this.restarts = 0;
    this.slowBootMs = SLOW_BOOT_MS; // when the start counts as slow (tests shorten it)
    this.slow = false; // the start has been slow: loading messages carry slowNote()
    this.pending = null; // files the worker still downloads, see slowNote()
  }

  /** Whether a request is running or waiting: a new one would wait its turn. */
  get busy() {
    return Boolean(this.active || this.queue.length);
  }

  /** The latest status: {status, message, python}. */
  get status() {
    return this.detail;
  }

  /** Whether requests can be sent: Python runs (NumPy may still have failed, see status). */
  get usable() {
    return this.detail.status === "ready" || (this.detail.status === "error" && this.detail.python);
  }

  _setStatus(detail) {
    let message = explain(detail);
    if (this.slow && detail.status.startsWith("loading")) message = `${message} ${slowNote(this.pending)}`;
    this.detail = { python: false, ...detail, message };
    this.dispatchEvent(new CustomEvent("status", { detail: this.detail }));
  }

  /** Start the worker if it is not running (idempotent); resolves once it is usable or failed. */
  start() {
    if (!this.worker) this._spawn();
    return new Promise((resolve) => {
      if (this.usable || this.detail.status === "error") {
        resolve(this.detail);
        return;
      }
      const listener = (event) => {
        if (event.detail.status === "ready" || event.detail.status === "error") {
          this.removeEventListener("status", listener);
          resolve(event.detail);
        }
      };
      this.addEventListener("status", listener);
    });
  }

  _spawn() {
    let worker;
    clearTimeout(this.slowTimer);
    try {
      worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    } catch (error) {
      this._setStatus({ status: "error", message: `this browser cannot start module workers (${error.message})` });
      return;
    }
    this.worker = worker;
    this.slow = false;
    this.pending = null;
    this.baseMessage = this.restarts ? "Restarting Python…" : "Loading Python…"; // before any note
    this._setStatus({ status: "loading-python", message: this.baseMessage });
    worker.addEventListener("message", (event) => {
      if (worker === this.worker) this._message(event.data);
    });
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      if (worker === this.worker) this._crash(event.message || "the worker failed to start");
    });
    this.slowTimer = setTimeout(() => {
      if (worker !== this.worker || this.usable || this.detail.status === "error") return;
      this.slow = true;
      this._setStatus({ ...this.detail, message: this.baseMessage });
    }, this.slowBootMs);
  }

  _message(data) {
    if (data.type === "downloads") {
      this.pending = data.pending;
      // The note said "still downloading": say so no longer once that is not true.
      if (this.slow && this.detail.status.startsWith("loading")) {
        this._setStatus({ ...this.detail, message: this.baseMessage });
      }
      return;
    }
    if (data.type === "status") {
      const restarting = this.restarts && data.status === "loading-python";
      this.baseMessage = restarting ? "Restarting Python…" : data.message;
      this._setStatus({ ...data, message: this.baseMessage });
      if (data.status === "ready" || data.status === "error") {
        clearTimeout(this.slowTimer);
        if (!this.usable) this._failQueue(this.detail.message);
        this._pump();
      }
      return;
    }
    if (data.type === "fatal") {
      this._crash(data.message);
      return;
    }
    const active = this.active;
    if (!active || data.id !== active.id) return;
    if (data.type === "stdout") active.onStdout?.(data.text);
    else if (data.type === "stderr") active.onStderr?.(data.text);
    else if (data.type === "result") {
      if (data.fatal) this._restart();
      this._finish(data);
    }
  }

  _crash(reason) {
    const memory = /out of memory|enlarge memory|allocat/i.test(reason) ? " It probably ran out of memory." : "";
    const message = `Python stopped unexpectedly (${reason}).${memory} It has been restarted; run the code again.`;
    if (!this.usable) {
      this._setStatus({ status: "error", message: reason, python: false });
      this._failQueue(this.detail.message);
    }
    this._restart();
    if (this.active) this._finish({ ok: false, error: message, crashed: true });
  }

  _finish(result) {
    const active = this.active;
    if (!active) return;
    this.active = null;
    clearTimeout(active.timer);
    active.settle(result);
    this._pump();
  }

  _failQueue(message) {
    const queued = this.queue.splice(0);
    for (const request of queued) request.settle({ ok: false, error: message });
  }

  /**
   * Terminate the worker (whatever it is doing) and start a new one straight away. Called
   * before the active request is finished: finishing sends the next queued request, which
   * must go to the new worker, not to the one about to be terminated.
   */
  _restart() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.restarts += 1;
    this._spawn();
  }

  _pump() {
    if (this.active || !this.queue.length || !this.worker || !this.usable) return;
    const request = this.queue.shift();
    this.active = request;
    request.timer = setTimeout(() => {
      if (this.active !== request) return;
      const seconds = Math.round(request.timeoutMs / 1000);
      this._restart();
      this._finish({ ok: false, error: `Stopped: the code ran for more than ${seconds} s (the time limit).`, stopped: true });
    }, request.timeoutMs);
    this.worker.postMessage(request.message);
    request.onStart?.();
  }

  _request(message, { timeoutMs, onStdout, onStderr, onStart, signal } = {}) {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const request = { id, message: { ...message, id }, timeoutMs, onStdout, onStderr, onStart, settle: resolve };
      if (signal) {
        if (signal.aborted) {
          resolve({ ok: false, error: "Stopped.", stopped: true });
          return;
        }
        signal.addEventListener("abort", () => this._cancel(request), { once: true });
      }
      this.queue.push(request);
      if (!this.worker || (this.detail.status === "error" && !this.detail.python)) {
        // Not started yet, or it failed to load: try (again) now that someone needs it.
        if (this.worker) this.worker.terminate();
        this.worker = null;
        this._spawn();
      } else {
        this._pump();
      }
    });
  }

  _cancel(request) {
    if (this.active === request) {
      this.stop();
      return;
    }
    const index = this.queue.indexOf(request);
    if (index >= 0) {
      this.queue.splice(index, 1);
      request.settle({ ok: false, error: "Stopped.", stopped: true });
    }
  }

  /**
   * Run a cell's code; output is streamed to the callbacks, and onStart is called when the
   * code starts (after Python has started and every request before it has finished).
   * Resolves {ok, error, stopped, graphs}; never rejects. Aborting `signal` stops this run
   * only (whether queued or running). `graphs` lists what each show_graph call of the run
   * asked to draw, in call order (quizkit.backprop.tracing.show_graph's dicts); empty when
   * the run was stopped or crashed.
   */
  async run(code, { onStdout, onStderr, onStart, timeoutMs = RUN_TIMEOUT_MS, signal } = {}) {
    const result = await this._request({ type: "run", code }, { timeoutMs, onStdout, onStderr, onStart, signal });
    const graphs = Array.isArray(result.graphs) ? result.graphs : [];
    return { ok: Boolean(result.ok), error: result.error ?? null, stopped: Boolean(result.stopped), graphs };
  }

  /** quizkit.backprop.worksheet.evaluate in the worker: {values, graph} (graph nodes add `local`). */
  async evaluate({ code, params, values, root = null }, { timeoutMs = EVALUATE_TIMEOUT_MS } = {}) {
    const result = await this._request({ type: "evaluate", code, params, values, root }, { timeoutMs });
    if (!result.ok) throw new Error(result.error);
    return result.value;
  }

  /** quizkit.backprop.worksheet.new_numbers in the worker: the numbers "New numbers" shows for `seed`. */
  async numbers(spec, seed, { timeoutMs = EVALUATE_TIMEOUT_MS } = {}) {
    const result = await this._request({ type: "numbers", spec, seed }, { timeoutMs });
    if (!result.ok) throw new Error(result.error);
    return result.value;
  }

  /** Stop the running request (its promise settles as stopped) and restart the worker. */
  stop() {
    if (!this.active) return false;
    this._restart();
    this._finish({ ok: false, error: "Stopped.", stopped: true });
    return true;
  }
}

let runtime = null;

/** The page's one Runtime (created on first call; the worker starts on first use). */
export function getRuntime() {
  runtime ??= new Runtime();
  return runtime;
}

// -- prefetch -----------------------------------------------------------------------------------

let observer = null;
const seenTimers = new WeakMap();

function canPrefetch() {
  const connection = navigator.connection;
  return !(connection && (connection.saveData || /(^|-)2g$/.test(connection.effectiveType || "")));
}

/** Start Python once one of `elements` has been on screen for a second (after the page loaded). */
export function prefetchWhenSeen(elements) {
  if (!("IntersectionObserver" in window) || !canPrefetch()) return;
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        seenTimers.set(entry.target, setTimeout(() => {
          observer.disconnect();
          getRuntime().start();
        }, PREFETCH_AFTER_MS));
      } else {
        clearTimeout(seenTimers.get(entry.target));
      }
    }
  });
  if (getRuntime().worker) return;
  for (const element of elements) observer.observe(element);
}

// -- page views ---------------------------------------------------------------------------------

function initPage() {
  const afterLoad = (elements) => {
    const prefetch = () => prefetchWhenSeen(elements);
    if (document.readyState === "complete") prefetch();
    else window.addEventListener("load", prefetch, { once: true });
  };
  const widgets = [...initCells(document, getRuntime), ...initNumericTraces(document, getRuntime, (row) => afterLoad([row]))];
  if (widgets.length) afterLoad(widgets);
}

onEveryPage(initPage);
