// Entry point of the quiz widgets: loaded as an ES module on every page and run on every page
// view (Material's document$ emits after instant navigation too). Mounting is idempotent.
import { renderMathWhenNear } from "./quiz-math.js";
import { itemPayload } from "./quiz-payload.js";
import { Store } from "./quiz-store.js";
import { make, onEveryPage } from "./dom.js";
import * as interview from "./quiz-interview.js";
import * as matching from "./quiz-matching.js";
import * as mcq from "./quiz-mcq.js";
import * as numericTrace from "./quiz-numeric-trace.js";
import * as ordering from "./quiz-ordering.js";
import * as shortAnswer from "./quiz-short-answer.js";
import * as trueFalse from "./quiz-true-false.js";

const WIDGETS = {
  mcq,
  true_false: trueFalse,
  short_answer: shortAnswer,
  matching,
  ordering,
  numeric_trace: numericTrace,
  interview,
};

/** Hints one at a time: the static <details> becomes a button that reveals the next hint. */
function mountHints(section) {
  const details = section.querySelector("details.qk-hints");
  if (!details) return;
  const hints = [...details.querySelectorAll("li")];
  const box = make("div", { class: "qk-hints" });
  const list = make("ol", { class: "qk-hint-list", "aria-live": "polite" });
  const next = make("button", { type: "button", class: "md-button qk-button qk-hint" });
  let shown = 0;
  const label = () => {
    next.textContent = `Show a hint (${shown + 1} of ${hints.length})`;
  };
  next.addEventListener("click", () => {
    const hint = hints[shown];
    hint.tabIndex = -1;
    list.append(hint);
    shown += 1;
    if (shown === hints.length) {
      next.hidden = true;
      hint.focus();
    } else {
      label();
    }
  });
  label();
  box.append(next, list);
  details.replaceWith(box);
}

function mountToolbar(toolbar, page) {
  const status = make("p", { class: "qk-toolbar-status", "aria-live": "polite" });
  toolbar.append(status);
  const say = (text) => {
    status.textContent = text;
  };
  toolbar.querySelector(".qk-reset-all").addEventListener("click", () => {
    page.store.recover();
    for (const item of page.items) {
      item.widget.reset();
      page.store.remove(item.id);
    }
    page.refresh();
    say("Your answers on this page were cleared.");
  });
  toolbar.querySelector(".qk-export").addEventListener("click", () => {
    const blob = new Blob([page.store.exportText()], { type: "application/json" });
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
    try {
      const count = page.store.importText(await chosen.text());
      for (const item of page.items) {
        item.widget.reset();
        item.widget.restore(page.store.get(item.id));
      }
      page.refresh();
      say(`Imported progress for ${count} question${count === 1 ? "" : "s"}.`);
    } catch (error) {
      say(`Nothing was imported: ${error.message}`);
    }
    file.value = "";
  });
}

function initPage() {
  renderMathWhenNear(document.querySelector("article") || document.body);
  const sections = [...document.querySelectorAll(".qk-item:not([data-qk-ready])")];
  if (sections.length === 0) return;
  const store = new Store();
  const toolbar = document.querySelector(".qk-toolbar");
  const page = { store, items: [] };
  page.refresh = () => {
    if (!toolbar) return;
    let score = 0;
    let answered = 0;
    for (const item of page.items) {
      const state = store.get(item.id);
      if (state && typeof state.score === "number") {
        score += state.score;
        answered += 1;
      }
    }
    const rounded = Math.round(score * 100) / 100;
    toolbar.querySelector(".qk-score-value").textContent = String(rounded);
    toolbar.querySelector(".qk-score-max").textContent = String(page.items.length);
    toolbar.querySelector(".qk-score-answered").textContent = `(${answered} of ${page.items.length} answered)`;
    const problem = toolbar.querySelector(".qk-storage");
    if (problem.textContent !== store.problem) problem.textContent = store.problem;
    toolbar.classList.toggle("qk-not-saving", Boolean(store.problem));
  };

  for (const section of sections) {
    section.dataset.qkReady = "";
    section.classList.add("qk-ready");
    for (const fallback of section.querySelectorAll(".qk-fallback")) fallback.remove();
    const widgetModule = WIDGETS[section.dataset.qkKind];
    if (!widgetModule) continue;
    const id = section.dataset.qkId;
    const item = {
      id,
      state: () => store.get(id),
      record(state) {
        store.set(id, { ...state, at: new Date().toISOString() });
        page.refresh();
      },
      clear() {
        store.remove(id);
        page.refresh();
      },
    };
    try {
      mountHints(section);
      item.widget = widgetModule.mount(section, itemPayload(section), item);
    } catch (error) {
      // One broken item must not take the rest of the page down with it.
      console.error(`quizkit: could not start ${id}`, error);
      section.querySelector(".qk-feedback")?.replaceChildren(
        make("p", {}, "This question could not be started; its answer is not available."),
      );
      continue;
    }
    page.items.push(item);
    const saved = store.get(id);
    if (saved && !item.widget.restore(saved)) {
      // Saved for a different version of this item (or other numbers): start it afresh.
      item.widget.reset();
    }
    // Lets other scripts (the Python runtime's "New numbers") extend a widget once it runs.
    section.dispatchEvent(
      new CustomEvent("quizkit:ready", { bubbles: true, detail: { id, kind: section.dataset.qkKind } }),
    );
  }
  if (toolbar && !toolbar.dataset.qkReady) {
    toolbar.dataset.qkReady = "";
    toolbar.classList.add("qk-ready");
    mountToolbar(toolbar, page);
  }
  page.refresh();
}

onEveryPage(initPage);
