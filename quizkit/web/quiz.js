// Entry point of the quiz widgets: loaded as an ES module on every page and run on every page
// view (Material's document$ emits after instant navigation too). Mounting is idempotent.
//
// Each item keeps one record (quiz-store.js; its schema is quizkit/mkdocs/progress.py) that
// this module updates for the widget: `respond` as the learner enters something, `check` when
// it is checked, `again` for a new attempt. Seeing the key (an explanation appears) locks what
// counts. The score is computed here, from the records and the items' keys, never stored.
import { renderMathWhenNear } from "./quiz-math.js";
import { itemPayload } from "./quiz-payload.js";
import { Store, cleared, credit } from "./quiz-store.js";
import config from "./quiz-config.js";
import { inTurns, make, onEveryPage, whenNear } from "./dom.js";

// Each kind's widget is quiz-<kind>.js, its kind named by quizkit/bank/kinds/ (config.kinds):
// adding a kind adds no line here. All are loaded before any item mounts.
const WIDGETS = Object.fromEntries(
  await Promise.all(config.kinds.map(async (kind) => [kind, await import(`./quiz-${kind.replaceAll("_", "-")}.js`)])).catch(
    (error) => {
      // No question can start: the page shows the plain forms (quiz.css, qk-failed).
      document.documentElement.classList.add("qk-failed");
      throw error;
    },
  ),
);
// The widgets can start: quiz.css hides the plain forms they replace again, if a script had
// failed before now (the root's qk-failed, from quizkit/mkdocs/scripts-failed.js).
document.documentElement.dataset.qkWidgets = "";
document.documentElement.classList.remove("qk-failed");
const rules = config.progress;
const UNDO_MS = 60_000;

// One store per document: with instant navigation, pages come and go but the storage is one.
let store = null;

const round = (x) => String(Math.round(x * 100) / 100);

function freshRecord(kind) {
  return { kind, attempt: 1, response: null, counted: null, hints: 0, checks: 0, seen: false, checked: false, revealed: false, at: "" };
}

/** Hints one at a time: the static <details> becomes a button that reveals the next hint. */
function mountHints(section, onShow) {
  const details = section.querySelector("details.qk-hints");
  if (!details) return null;
  const hints = [...details.querySelectorAll("li")];
  const box = make("div", { class: "qk-hints" });
  const list = make("ol", { class: "qk-hint-list", "aria-live": "polite" });
  const next = make("button", { type: "button", class: "md-button qk-button qk-hint" });
  let shown = 0;
  const percent = Math.round(rules.hintCost * 100);
  const label = () => {
    next.textContent = `Show a hint (${shown + 1} of ${hints.length})`;
    next.title = `Each hint opened before the answer is shown takes ${percent}% off this question's credit.`;
  };
  const showNext = (focus) => {
    const hint = hints[shown];
    hint.tabIndex = -1;
    list.append(hint);
    shown += 1;
    if (shown === hints.length) {
      next.hidden = true;
      if (focus) hint.focus();
    } else {
      label();
    }
  };
  next.addEventListener("click", () => {
    showNext(true);
    onShow(shown);
  });
  label();
  box.append(next, list);
  details.replaceWith(box);
  return {
    box,
    /** Show the first `count` hints again (after a reload). */
    restore(count) {
      while (shown < Math.min(count, hints.length)) showNext(false);
    },
    /** The button is offered only while the explanation is not shown. */
    offer(yes) {
      next.hidden = !yes || shown === hints.length;
    },
  };
}

/** What the item's status line says: what counts, and how it was answered. */
function statusText(record, score, selfAssessed) {
  const parts = [];
  if (record.counted === null) {
    parts.push(`Counts 0 of 1: ${rules.how.seen}, before any answer was checked.`);
  } else {
    // How it was answered: first try, or after hints and/or further checks, with the credit kept.
    const ways = [];
    if (record.hints) ways.push(`${rules.how.hints} (${record.hints})`);
    if (record.checks > 1 && !selfAssessed) ways.push(rules.how.checks.replace("{n}", record.checks));
    const first = selfAssessed ? "as you rated it" : rules.how.first;
    const how = ways.length ? `${ways.join(" and ")}, credit × ${round(credit(record))}` : first;
    parts.push(`Counts ${round(score)} of 1: ${how}.`);
  }
  if (record.seen && !selfAssessed) {
    parts.push(
      record.attempt > 1
        ? `Attempt ${record.attempt}: practice ${rules.how.seen}; it does not change the score.`
        : "The answer has been shown, so further attempts are practice.",
    );
  }
  return parts.join(" ");
}

/**
 * What the learner entered in a question's plain form before its widget started (a slow
 * connection, or a tap before its turn): each changed control with its new value.
 */
function editsBeforeStart(section) {
  const edits = [];
  for (const control of section.querySelectorAll(".qk-form input, .qk-form select, .qk-form textarea")) {
    if (control.type === "radio") {
      if (control.checked && !control.defaultChecked) edits.push({ control, checked: true });
    } else if (control.tagName === "SELECT") {
      // Without an option marked selected, a list shows its first one.
      const initial = [...control.options].find((option) => option.defaultSelected) ?? control.options[0];
      if (control.value !== (initial?.value ?? "")) edits.push({ control, value: control.value });
    } else if (control.value !== control.defaultValue) {
      edits.push({ control, value: control.value });
    }
  }
  return edits;
}

/**
 * Put `edits` back once the widget has started a question with no saved progress (its reset
 * cleared them) and tell the widget as typing would, so it records them: nothing the learner
 * typed is lost. A question with saved progress shows that instead (its numbers may be drawn
 * ones the plain form did not show). What the widget limits (maxlength, set as it starts)
 * is cut to its limit, as typing would have been.
 */
function keepEdits(edits) {
  for (const { control, value, checked } of edits) {
    if (control.disabled || control.readOnly) continue;
    if (checked) control.checked = true;
    else control.value = control.maxLength > 0 ? value.slice(0, control.maxLength) : value;
    control.dispatchEvent(new Event("input", { bubbles: true }));
    control.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function mountItem(section, page) {
  const kind = section.dataset.qkKind;
  const id = section.dataset.qkId;
  const payload = itemPayload(section);
  const edits = editsBeforeStart(section);
  const status = make("p", { class: "qk-status", "aria-live": "polite" });
  section.querySelector(".qk-form").after(status);
  let record = freshRecord(kind);
  let widget = null;

  // An exam (the course quiz) keeps its records apart from the lessons' under a prefix.
  const key = (page.prefix || "") + id;
  const save = () => {
    record.at = new Date().toISOString();
    store.set(key, record);
    page.refresh();
  };
  const item = {
    id,
    kind,
    key,
    record: () => record,
    /** The learner entered something (saved shortly after, and when leaving the page). */
    respond(response) {
      record = { ...record, response, checked: false };
      save();
    },
    /** The response was checked: it counts unless the key was already seen. */
    check(response, { always = false } = {}) {
      record = { ...record, response, checked: true };
      if (!record.seen || always) record.counted = response;
      // Each check before the key is seen is counted: a re-check after the ✗ marks costs credit.
      if (!record.seen) record.checks = (record.checks || 0) + 1;
      save();
    },
    /** The key is now on screen ("Show the answer"). */
    reveal() {
      record = { ...record, seen: true, revealed: true };
      save();
    },
    /** The widget corrects its saved record (a trace's numbers, computed by the engine). */
    amend(change) {
      record = change(record);
      save();
    },
    /** "Try again", "Start over", new numbers: a new attempt; what counts stays. */
    again(response = null) {
      record = { ...record, attempt: record.attempt + 1, response, checked: false, revealed: false };
      save();
    },
    score() {
      if (!widget || record.counted === null) return record.seen && !widget?.selfAssessed ? 0 : null;
      const right = widget.credit(record.counted);
      if (right === null) return 0;
      return Math.min(1, Math.max(0, right)) * credit(record);
    },
    showStatus() {
      const score = item.score();
      let text = score === null ? "" : statusText(record, score, widget.selfAssessed);
      if (page.exam && score !== null) {
        text = record.response === null ? "Not answered: counts 0 of 1." : `Counts ${round(score)} of 1.`;
      }
      if (score !== null && widget.note) text = [text, widget.note(record)].filter(Boolean).join(" ");
      // A live region: rewritten only when its words change (a screen reader reads each write).
      if (status.textContent !== text) status.textContent = text;
    },
    /**
     * What the learner's answer is now. In an exam an ordering left as shown is an answer
     * (a lesson's Check would mark it too), so the widget's `shown()` stands in for none.
     */
    response() {
      return record.response ?? (page.exam && widget.shown ? widget.shown() : null);
    },
    /**
     * An exam's submission: what is on screen now counts, and is marked. Once submitted (or
     * the key seen) what counted stays: a later answer from another tab changes nothing.
     */
    submit() {
      if (!record.seen) {
        const response = item.response();
        record = { ...record, response, checked: response !== null, counted: response, seen: true };
        save();
      }
      item.load(record);
    },
  };

  const hints = mountHints(section, (shown) => {
    if (!record.seen) {
      record = { ...record, hints: Math.max(record.hints, shown) };
      save();
    }
  });
  // An explanation on screen gives the key away: lock what counts, and offer no more hints.
  const explanation = section.querySelector(".qk-explanation");
  const watch = () => {
    hints?.offer(explanation.hidden);
    if (!explanation.hidden && !record.seen) {
      record = { ...record, seen: true };
      save();
    }
  };
  new MutationObserver(watch).observe(explanation, { attributes: true, attributeFilter: ["hidden"] });

  widget = WIDGETS[kind].mount(section, payload, item);
  item.widget = widget;
  item.load = (saved) => {
    record = saved ? { ...saved } : freshRecord(kind);
    // A submitted exam item shows what counted, not a later answer merged in from another tab.
    if (page.exam && record.seen) record = { ...record, response: record.counted, checked: record.counted !== null };
    widget.reset();
    hints?.restore(record.hints);
    if (saved) widget.restore(record);
    watch();
    item.showStatus();
    if (page.exam && section.classList.contains("qk-submitted")) lockSubmitted();
  };
  /**
   * A submitted exam item is an answer-sheet entry: its controls are disabled and its live
   * regions silenced (the quiz announces the result once, not once per item). Choices keep
   * their own feedback (why a distractor is wrong); the other kinds' says "check again",
   * which no longer applies: the status line gives the count.
   */
  const lockSubmitted = () => {
    for (const control of section.querySelectorAll(".qk-form input, .qk-form select, .qk-form button, .qk-form textarea")) {
      control.disabled = true;
    }
    if (!["mcq", "true_false"].includes(kind)) section.querySelector(".qk-feedback").replaceChildren();
    // A trace row's "Not yet: recompute this one" invites another try, which a submitted
    // quiz does not allow: the row says it is not right; the answer is in the sheet below.
    for (const row of section.querySelectorAll(".qk-mark-wrong")) {
      const message = row.closest("[data-qk-quantity]")?.querySelector(".qk-msg > span:first-child");
      if (message) message.textContent = "Not right: the answer below gives this value.";
    }
    for (const region of section.querySelectorAll("[aria-live]")) region.setAttribute("aria-live", "off");
  };
  /** Why the page cannot show `candidate`, or "" when it can. */
  item.refusal = (candidate) => {
    if (candidate.kind !== kind) return `is for a ${candidate.kind} question; this one is ${kind}`;
    for (const [name, response] of [["response", candidate.response], ["counted", candidate.counted]]) {
      if (response !== null && widget.credit(response) === null) return `${name} ${widget.unusable || "is not an answer to this question"}`;
    }
    return "";
  };
  const stored = store.get(key, kind);
  if (stored) {
    const refusal = item.refusal(stored);
    if (refusal) {
      // Saved for a different version of this item: start afresh, and say so.
      page.notes.push(`${id}: the saved answer ${refusal}; the question starts afresh.`);
      item.load(null);
    } else {
      item.load(stored);
    }
  } else {
    item.load(null);
  }
  if (!stored) keepEdits(edits);
  return item;
}

function mountToolbar(toolbar, page) {
  const status = make("div", { class: "qk-toolbar-status", "aria-live": "polite" });
  toolbar.append(status);
  const say = (text, ...extra) => {
    status.replaceChildren(make("p", {}, text), ...extra);
  };
  const reset = toolbar.querySelector(".qk-reset-all");
  const confirm = make("span", { class: "qk-confirm", hidden: "" });
  const yes = make("button", { type: "button", class: "md-button qk-reset-yes" }, "Clear my answers");
  const no = make("button", { type: "button", class: "md-button qk-reset-no" }, "Keep them");
  const question = make("span", { class: "qk-confirm-question" });
  confirm.append(question, yes, no);
  reset.after(confirm);

  /**
   * Offer to undo a reset or an import. Its snapshot is kept under its own storage key
   * (store.keepUndo), so a reload within the minute offers it again; the words leave with
   * the button.
   */
  const offerUndo = (text, kept, { focus = true } = {}) => {
    const undo = make("button", { type: "button", class: "md-button qk-undo" }, "Undo");
    undo.addEventListener("click", () => {
      store.dropUndo();
      store.putBack(kept.records, kept.ids);
      for (const item of page.items) item.load(store.get(item.id) || null);
      page.refresh();
      say(kept.what === "import" ? "The import was undone." : "Your answers are back.");
      reset.focus();
    });
    say(`${text} You can undo this for a minute.`, undo);
    const offer = status.firstChild;
    if (focus) undo.focus();
    setTimeout(() => {
      if (status.firstChild === offer) status.replaceChildren();
    }, Math.max(0, kept.until - Date.now()));
  };
  const pending = store.pendingUndo();
  if (pending && page.items.some((item) => pending.ids.includes(item.id))) {
    offerUndo(pending.what === "import" ? "Progress was imported." : "Your answers on this page were cleared.", pending, { focus: false });
  }

  reset.addEventListener("click", () => {
    const count = page.items.filter((item) => store.get(item.id)).length;
    question.textContent = count
      ? `Clear your answers to the ${count} question${count === 1 ? "" : "s"} on this page (on every page that shows them)? A question whose answer you have seen keeps its score.`
      : "Nothing is saved for this page yet. Clear it anyway?";
    confirm.hidden = false;
    reset.hidden = true;
    no.focus();
  });
  no.addEventListener("click", () => {
    confirm.hidden = true;
    reset.hidden = false;
    reset.focus();
  });
  yes.addEventListener("click", () => {
    const ids = page.items.map((item) => item.id);
    const before = store.snapshot();
    store.recover();
    for (const item of page.items) {
      // Responses go; what was seen, hints, checks and attempts stay (quiz-store.js cleared).
      const record = cleared(store.get(item.id));
      if (record) store.set(item.id, { ...record, at: new Date().toISOString() });
      item.load(store.get(item.id) || null);
    }
    store.flush();
    page.refresh();
    confirm.hidden = true;
    reset.hidden = false;
    offerUndo("Your answers on this page were cleared.", store.keepUndo("reset", before, ids, UNDO_MS));
  });

  toolbar.querySelector(".qk-export").addEventListener("click", () => {
    store.flush();
    const blob = new Blob([store.exportText()], { type: "application/json" });
    const link = make("a", { href: URL.createObjectURL(blob), download: "backprop-lab-progress.json" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    say("Your progress was exported as backprop-lab-progress.json.");
  });
  const file = toolbar.querySelector(".qk-import-file");
  toolbar.querySelector(".qk-import").addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    const byId = new Map(page.items.map((item) => [item.id, item]));
    const plural = (n) => `${n} question${n === 1 ? "" : "s"}`;
    const problemList = (problems) => {
      const list = make("ul", { class: "qk-import-problems" });
      for (const problem of problems) list.append(make("li", {}, problem));
      return problems.length ? [list] : [];
    };
    let read;
    try {
      read = store.readImport(
        await chosen.text(),
        (id) => byId.get(id)?.kind ?? null,
        (id, record) => byId.get(id)?.refusal(record) || "",
      );
    } catch (error) {
      say(`Nothing was imported: ${error.message}`);
      file.value = "";
      return;
    }
    file.value = "";
    const { records, problems } = read;
    const ids = Object.keys(records);
    const unusable = problems.length ? ` Not importable, ${problems.length} unusable:` : "";
    if (!ids.length) {
      say(`Nothing was imported.${unusable}`, ...problemList(problems));
      return;
    }
    // Ask first: an import replaces answers (one way: nothing seen becomes unseen).
    const go = make("button", { type: "button", class: "md-button qk-import-yes" }, "Import");
    const stop = make("button", { type: "button", class: "md-button qk-import-no" }, "Cancel");
    say(`Import progress for ${plural(ids.length)}, replacing the answers saved for them?${unusable}`, ...problemList(problems), go, stop);
    go.focus();
    stop.addEventListener("click", () => say("Nothing was imported."));
    go.addEventListener("click", () => {
      const before = store.snapshot();
      const imported = store.applyImport(records);
      for (const item of page.items) if (imported.includes(item.id)) item.load(store.get(item.id));
      page.refresh();
      if (!imported.length) {
        say(`Nothing was imported: ${store.problem || "it could not be saved."}`);
        return;
      }
      const kept = store.keepUndo("import", before, imported, UNDO_MS);
      offerUndo(`Imported progress for ${plural(imported.length)}.${unusable}`, kept);
      status.append(...problemList(problems));
    });
  });
}

function mountSections(sections, page) {
  for (const section of sections) {
    if ("qkReady" in section.dataset) continue; // started already (a tap started it early)
    section.dataset.qkReady = "";
    section.classList.add("qk-ready");
    for (const fallback of section.querySelectorAll(".qk-fallback")) fallback.remove();
    if (!WIDGETS[section.dataset.qkKind]) continue;
    try {
      page.items.push(mountItem(section, page));
    } catch (error) {
      // One broken item must not take the rest of the page down with it.
      console.error(`quizkit: could not start ${section.dataset.qkId}`, error);
      section.querySelector(".qk-feedback")?.replaceChildren(
        make("p", {}, "This question could not be started; its answer is not available."),
      );
      continue;
    }
    // Lets other scripts (the Python runtime's "New numbers") extend a widget once it runs.
    section.dispatchEvent(
      new CustomEvent("quizkit:ready", { bubbles: true, detail: { id: section.dataset.qkId, kind: section.dataset.qkKind } }),
    );
    if (!page.exam) quietUntilUsed(section);
  }
}

const WAKE = ["pointerdown", "focusin", "keydown"];

/**
 * A question that starts as the reader scrolls past shows what was saved ("Correct.", how it
 * counts): its live regions stay silent until the learner acts in it, or a screen reader would
 * read one old verdict after another, out of context. (An exam silences its own.)
 */
function quietUntilUsed(section) {
  const regions = [...section.querySelectorAll('[aria-live="polite"], [aria-live="assertive"]')];
  if (regions.length === 0) return;
  const live = regions.map((region) => region.getAttribute("aria-live"));
  for (const region of regions) region.setAttribute("aria-live", "off");
  const wake = () => {
    regions.forEach((region, i) => region.setAttribute("aria-live", live[i]));
    for (const type of WAKE) section.removeEventListener(type, wake, true);
  };
  for (const type of WAKE) section.addEventListener(type, wake, true);
}

/**
 * Mount the quiz items under `root` as one group, apart from the page's toolbar (the course
 * quiz's exam mode). `prefix` keys the group's saved records apart from the lessons' ones;
 * `exam` puts Check and hints away (the group's owner submits every item at once, with
 * item.submit()); `onchange` runs after each save. Returns {items, notes, problem(), sync(),
 * flush()}.
 */
export function mountGroup(root, { prefix = "", exam = false, onchange = () => {} } = {}) {
  store ??= new Store();
  const page = { items: [], notes: [], prefix, exam, problem: () => store.problem };
  page.refresh = () => {
    for (const item of page.items) item.showStatus();
    onchange();
  };
  store.onchange = page.refresh;
  // Another tab saved: show its answers here too (a submitted item keeps what counted).
  store.onupdate = (keys) => {
    for (const item of page.items) if (keys.includes(item.key)) item.load(store.get(item.key) || null);
    page.refresh();
  };
  /** Take in what another tab saved now (before submitting), and write what is pending. */
  page.sync = () => store.refresh();
  page.flush = () => store.flush();
  const sections = [...root.querySelectorAll(".qk-item:not([data-qk-ready])")];
  if (exam) {
    for (const section of sections) {
      // Nothing is checked before submission: Enter in a field must not check either.
      section.querySelector(".qk-form")?.addEventListener(
        "submit",
        (event) => {
          if (!section.classList.contains("qk-submitted")) {
            event.preventDefault();
            event.stopImmediatePropagation();
          }
        },
        { capture: true },
      );
      section.querySelector("details.qk-hints")?.remove();
    }
  }
  mountSections(sections, page);
  page.refresh();
  return page;
}

/** Forget every saved record whose key starts with `prefix` (an old course-quiz draw). */
export function forgetGroup(prefix) {
  store ??= new Store();
  for (const key of Object.keys(store.items)) if (key.startsWith(prefix)) store.remove(key);
  store.flush();
}

async function initPage() {
  // The page before (instant navigation) stops starting its items, whatever this page holds.
  view?.stop();
  view = null;
  renderMathWhenNear(document.querySelector("article") || document.body);
  // The course quiz fetches and mounts its drawn items itself (quiz-course.js).
  const course = document.querySelector(".qk-course:not([data-qk-ready])");
  if (course) {
    course.dataset.qkReady = "";
    import("./quiz-course.js").then((module) => module.mount(course));
  }
  const sections = [...document.querySelectorAll(".qk-item:not([data-qk-ready])")];
  if (sections.length === 0) return;
  store ??= new Store();
  const toolbar = document.querySelector(".qk-toolbar");
  const page = { items: [], notes: [] };
  page.refresh = () => {
    for (const item of page.items) item.showStatus();
    if (!toolbar) return;
    let score = 0;
    let answered = 0;
    for (const item of page.items) {
      const value = item.score();
      if (value !== null) {
        score += value;
        answered += 1;
      }
    }
    toolbar.querySelector(".qk-score-value").textContent = round(score);
    toolbar.querySelector(".qk-score-max").textContent = String(page.items.length);
    toolbar.querySelector(".qk-score-answered").textContent = `(${answered} of ${page.items.length} answered)`;
    const problem = toolbar.querySelector(".qk-storage");
    const text = [store.problem, ...page.notes].filter(Boolean).join(" ");
    if (problem.textContent !== text) problem.textContent = text;
    toolbar.classList.toggle("qk-not-saving", Boolean(store.problem));
  };
  store.onchange = page.refresh;
  // Another tab saved (or a save merged its work in): show those items as now stored.
  store.onupdate = (keys) => {
    for (const item of page.items) if (keys.includes(item.key)) item.load(store.get(item.key) || null);
    page.refresh();
  };

  view = startWhenNear(sections, toolbar, page);
}

// The page view whose items are starting (instant navigation replaces it with the next).
let view = null;

/**
 * Start the page's items as they come near the screen, a few per turn (dom.js inTurns), and
 * the toolbar (its score counts every item) once all have started. A long lesson's dozens of
 * widgets all started at load would rewrite the page while it is still being laid out for the
 * first time, and each rewrite lays out all of it again: on a phone that is seconds in which
 * the first taps and scrolls wait. An item the reader reaches for first (the pointer going
 * down on it, or the focus coming in) starts at once, before the browser acts on the tap or
 * key: the answer goes to the widget, which takes over the form's controls. Printing starts all.
 */
function startWhenNear(sections, toolbar, page) {
  const waiting = new Set(sections);
  let queue = Promise.resolve();
  let stopped = false;
  const mountToolbarOnce = () => {
    if (stopped || !toolbar || "qkReady" in toolbar.dataset) return;
    toolbar.dataset.qkReady = "";
    toolbar.classList.add("qk-ready");
    mountToolbar(toolbar, page);
    page.refresh();
  };
  /** Start `list`'s waiting items in turns, after those already queued. */
  const startSome = (list) => {
    const due = list.filter((section) => waiting.delete(section));
    if (due.length) queue = queue.then(() => inTurns(due, (section) => !stopped && mountSections([section], page)));
    return queue;
  };
  const startAllNow = () => {
    const due = [...waiting];
    waiting.clear();
    mountSections(due, page);
    mountToolbarOnce();
  };
  const mine = new Set(sections);
  const startNow = (event) => {
    // Also an item whose turn is queued but not yet come (mountSections skips started ones).
    const section = event.target.closest?.(".qk-item");
    if (!section || !mine.has(section) || "qkReady" in section.dataset) return;
    waiting.delete(section);
    mountSections([section], page);
    // What the widget replaces at its start (hints, the no-JS answer box) is hidden until then
    // (quiz.css), so focus is never on it. A tap, though, may have been on the place where the
    // start put a control (the hints box's place takes "Show a hint", a cost): its click is
    // dropped unless what is under the finger is still what was tapped, and the learner, who
    // sees the question changed, taps again. A click that never comes (the finger scrolled)
    // leaves nothing behind.
    if (event.type !== "pointerdown") return;
    const under = document.elementFromPoint(event.clientX, event.clientY);
    if (under === event.target) return;
    const drop = (click) => {
      click.preventDefault();
      click.stopImmediatePropagation();
    };
    const disarm = () => document.removeEventListener("click", drop, true);
    document.addEventListener("click", drop, { capture: true, once: true });
    // A tap's click comes within a moment, before the next tap or key; a press that became a
    // scroll never brings one, and the next click (a key's, a screen reader's) is left alone.
    for (const type of ["pointerdown", "pointercancel", "keydown"]) {
      document.addEventListener(type, disarm, { capture: true, once: true });
    }
    setTimeout(disarm, 1000);
  };
  const early = ["pointerdown", "focusin"];
  for (const type of early) document.addEventListener(type, startNow, true);
  // The focus came into an item before this ran (the page is shown before the widgets' modules
  // have loaded, and a learner on a slow connection was already in a question): it starts now.
  const focused = document.activeElement;
  if (focused?.closest(".qk-item")) startNow({ type: "focusin", target: focused });
  window.addEventListener("beforeprint", startAllNow);

  const stopWatching = whenNear(toolbar ? [...sections, toolbar] : sections, (reached) => {
    startSome(reached.filter((element) => element !== toolbar));
    if (reached.includes(toolbar)) startSome([...waiting]).then(mountToolbarOnce);
  });
  return {
    stop() {
      stopped = true;
      stopWatching();
      for (const type of early) document.removeEventListener(type, startNow, true);
      window.removeEventListener("beforeprint", startAllNow);
    },
  };
}

onEveryPage(initPage);
