// Registers the course's service worker (the site's sw.js, written from quizkit/web/sw.js by
// quizkit/mkdocs/offline.py) and keeps the learner's offline copy in step with what they open:
// on every page it asks the worker to keep the page and what the page loaded, and once Python
// has started, the Python runtime.
//
// When a new build has been deployed and its worker has installed beside the old one, a
// notice (role=status) says an update is ready; Reload activates the new worker, and every
// tab of the course reloads onto it (controllerchange), so no page runs on a mix of old and
// new files. Nothing typed is lost: progress is in localStorage, and quiz-store.js writes what
// is pending when the page is hidden or unloaded.
import { make, onEveryPage } from "./dom.js";

// This file is assets/quizkit/offline.js; the worker sits at the site's root.
const SITE = new URL("../../", import.meta.url);
const SCRIPT = new URL("sw.js", SITE);
const UPDATE_CHECK_MS = 5 * 60_000; // between checks while instant navigation keeps the page

let registration = null;
let lastCheck = 0;
let notice = null;

function sameOrigin(url) {
  return new URL(url, location.href).origin === location.origin;
}

async function keep(message) {
  const ready = await navigator.serviceWorker.ready;
  ready.active?.postMessage({ type: "keep", urls: [], runtime: false, ...message });
}

// Every page viewed in this document (instant navigation shows several), from the start: the
// first may have been left before the worker's registration resolved.
const viewed = new Set();
onEveryPage(() => viewed.add(location.href));

/** The pages viewed and everything they loaded (also before the worker controlled them). */
function keepPage() {
  const loaded = performance.getEntriesByType("resource").map((entry) => entry.name);
  keep({ urls: [...viewed, ...loaded.filter(sameOrigin)] });
}

async function keepRuntimeOnceStarted() {
  // Imported here, not above: the page the worker shows in place of a newer build's loads this
  // module for its notice alone, and must get it even if the runtime's modules fail.
  const { getRuntime } = await import("./runtime.js");
  const runtime = getRuntime();
  let sent = false;
  const check = () => {
    if (!sent && runtime.status.python) {
      sent = true;
      keep({ runtime: true });
    }
  };
  runtime.addEventListener("status", check);
  check();
}

// -- the update notice ------------------------------------------------------------------------

function mountNotice() {
  // The live region exists (empty) before its text arrives, so that screen readers announce it.
  notice = make("div", { class: "qk-update", role: "status" });
  Object.assign(notice.style, {
    position: "fixed",
    insetInlineEnd: "1rem",
    insetBlockEnd: "1rem",
    zIndex: "10",
    maxWidth: "22rem",
    padding: "0.6rem 0.8rem",
    borderRadius: "0.2rem",
    background: "var(--md-default-bg-color, #fff)",
    color: "var(--md-default-fg-color, #000)",
    boxShadow: "0 0.2rem 0.6rem rgba(0, 0, 0, 0.3)",
    fontSize: "0.75rem",
  });
  notice.hidden = true;
  document.body.append(notice);
}

function showNotice() {
  if (!notice.hidden) return;
  const reload = make("button", { type: "button", class: "md-button md-button--primary" }, "Reload");
  const later = make("button", { type: "button", class: "md-button" }, "Later");
  for (const button of [reload, later]) Object.assign(button.style, { marginInlineEnd: "0.5rem", marginBlockStart: "0.4rem" });
  reload.addEventListener("click", () => {
    const waiting = registration.waiting;
    if (!waiting) {
      location.reload();
      return;
    }
    reload.disabled = true;
    reload.textContent = "Updating…";
    waiting.postMessage({ type: "activate" }); // every tab reloads on controllerchange
  });
  later.addEventListener("click", () => {
    notice.hidden = true;
  });
  notice.replaceChildren(
    make("p", { style: "margin: 0" }, "A new version of the course is ready. Reload to use it (your answers are kept)."),
    reload,
    later,
  );
  notice.hidden = false;
}

function watchUpdates(reg) {
  const waitFor = (worker) => {
    if (!worker) return;
    const check = () => {
      // Without a controller this is the first install, not an update.
      if (worker.state === "installed" && navigator.serviceWorker.controller) showNotice();
    };
    worker.addEventListener("statechange", check);
    check();
  };
  if (reg.waiting && navigator.serviceWorker.controller) showNotice();
  waitFor(reg.installing);
  reg.addEventListener("updatefound", () => waitFor(reg.installing));
}

async function start() {
  let controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // A page already served by the old build reloads onto the new one; a page that had no
    // worker yet (the first visit) just goes on.
    if (controlled) location.reload();
    controlled = true;
  });
  mountNotice();
  try {
    registration = await navigator.serviceWorker.register(SCRIPT, { scope: SITE.href, updateViaCache: "none" });
  } catch (error) {
    console.warn(`The course cannot be saved for offline use here: ${error.message}`);
    return;
  }
  lastCheck = Date.now();
  watchUpdates(registration);
  keepRuntimeOnceStarted().catch(() => {});
  onEveryPage(() => {
    keepPage();
    // Instant navigation loads pages without the browser's own update check.
    if (Date.now() - lastCheck > UPDATE_CHECK_MS) {
      lastCheck = Date.now();
      registration.update().catch(() => {});
    }
  });
}

// Registered as soon as this module runs. (Registering after the load event, to keep the
// worker's install off the page's first load, made a new deploy's notice miss its 30 s in a
// clean-clone CI run of test_an_update_whose_files_do_not_match_is_not_installed.)
if ("serviceWorker" in navigator) start();
