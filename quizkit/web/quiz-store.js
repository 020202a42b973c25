// Saved progress: one JSON object in localStorage under a versioned key, keyed by item id so
// that it survives reloads and rebuilds of the site and is shared by every page showing the
// item. A record holds what the learner did (see quizkit/mkdocs/progress.py), never a score.
// Records are checked against the one schema Python ships in quiz-config.js, when loaded,
// saved, exported and imported. Every failure (storage disabled, full or unreadable) leaves
// the page working, is reported through `problem`, and destroys nothing already saved.
import config from "./quiz-config.js";

const schema = config.progress;
const SAVE_DELAY_MS = 300;

function storage() {
  try {
    const store = window.localStorage;
    const probe = `${config.storageKey}:probe`;
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch (error) {
    return null;
  }
}

const isObject = (value) => Boolean(value) && typeof value === "object" && !Array.isArray(value);
const isText = (value, max) => typeof value === "string" && value.length <= max;

/** Whether `value` has the schema type `type`; returns a problem in words, or "". */
function typeProblem(type, value) {
  const max = schema.maxValueChars;
  switch (type) {
    case "text|null":
      return value === null || isText(value, max) ? "" : "must be a short text";
    case "text":
      return isText(value, schema.maxNoteChars) ? "" : `must be a text of at most ${schema.maxNoteChars} characters`;
    case "bool":
      return typeof value === "boolean" ? "" : "must be true or false";
    case "self":
      return value === null || schema.selfLevels.includes(value) ? "" : `must be one of ${schema.selfLevels.join(", ")}`;
    case "texts":
      return Array.isArray(value) && value.every((v) => isText(v, max)) ? "" : "must be a list of short texts";
    case "ints":
      return Array.isArray(value) && value.every(Number.isInteger) ? "" : "must be a list of whole numbers";
    case "textmap":
      return isObject(value) && Object.values(value).every((v) => isText(v, max))
        ? ""
        : `must map names to texts of at most ${max} characters`;
    case "nummap|null":
      return value === null || (isObject(value) && Object.values(value).every(Number.isFinite))
        ? ""
        : "must map names to finite numbers";
    case "int|null":
      return value === null || Number.isInteger(value) ? "" : "must be a whole number";
    default:
      return `has an unknown type ${type}`;
  }
}

/** The value of a field an older record lacks (undefined: it is required). */
function missing(type) {
  if (type === "text") return "";
  if (type === "bool") return false;
  return type.endsWith("null") || type === "self" ? null : undefined;
}

/** A response checked against its kind's fields; throws naming the field. */
function cleanResponse(kind, response, where) {
  if (response === null || response === undefined) return null;
  if (!isObject(response)) throw new Error(`${where} must be an object`);
  const fields = schema.responses[kind];
  const clean = {};
  for (const [name, type] of Object.entries(fields)) {
    const value = name in response ? response[name] : missing(type);
    const problem = value === undefined ? "is missing" : typeProblem(type, value);
    if (problem) throw new Error(`${where}.${name} ${problem}`);
    clean[name] = value;
  }
  return clean;
}

/** The kind whose response fields match `response` (records saved before kinds were stored). */
function guessKind(response) {
  if (!isObject(response)) return null;
  const keys = Object.keys(response);
  const fits = Object.entries(schema.responses).filter(
    ([, fields]) => keys.length && keys.every((k) => k in fields || k === "revealed"),
  );
  // Ambiguous (mcq and true_false both have `choice`): the page showing the item decides.
  return fits.length === 1 ? fits[0][0] : null;
}

/**
 * A stored or imported record, checked against the schema: {record} or {problem}. `kind` is
 * the kind of the item on this page, when there is one. A score in the data is ignored (the
 * page recomputes it); a record saved by an earlier version of the page is converted.
 */
export function cleanRecord(data, kind = null) {
  if (!isObject(data)) return { problem: "is not an object" };
  if (JSON.stringify(data).length > schema.maxRecordChars) {
    return { problem: `is larger than ${schema.maxRecordChars} characters` };
  }
  const recordKind = data.kind ?? kind ?? guessKind(data.response);
  if (!(recordKind in schema.responses)) return { problem: "kind is missing or not a kind of question" };
  if (kind && recordKind !== kind) return { problem: `is for a ${recordKind} question, this one is ${kind}` };
  try {
    const legacy = !("kind" in data);
    const response = cleanResponse(recordKind, data.response, "response");
    let counted = legacy ? null : cleanResponse(recordKind, data.counted, "counted");
    if (legacy && typeof data.score === "number" && response) {
      // Before records had `counted`, a stored score meant the response had been checked.
      counted = response;
      if ("self" in response) counted = { ...response, self: nearestLevel(data.score) };
    }
    const number = (name, fallback) => {
      const value = data[name] ?? fallback;
      if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
      return value;
    };
    const flag = (name) => {
      const value = data[name] ?? false;
      if (typeof value !== "boolean") throw new Error(`${name} must be true or false`);
      return value;
    };
    const record = {
      kind: recordKind,
      attempt: Math.max(1, number("attempt", 1)),
      response: legacy && counted && "self" in counted ? counted : response,
      counted,
      hints: number("hints", 0),
      seen: flag("seen") || Boolean(data.revealed),
      checked: legacy ? counted !== null : flag("checked"),
      revealed: flag("revealed"),
      at: typeof data.at === "string" ? data.at.slice(0, 40) : "",
    };
    return { record };
  } catch (error) {
    return { problem: error.message };
  }
}

function nearestLevel(score) {
  if (!Number.isFinite(score)) return null;
  return schema.selfLevels.reduce((best, level) => (Math.abs(level - score) < Math.abs(best - score) ? level : best));
}

function copy(value) {
  return JSON.parse(JSON.stringify(value));
}

export class Store {
  constructor() {
    this.items = {};
    // Stored entries this page could not read: written back untouched, never dropped.
    this.kept = {};
    this.problem = "";
    this.tooLarge = new Set();
    this.timer = null;
    this.onchange = () => {};
    this.backend = storage();
    window.addEventListener("pagehide", () => this.flush());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.flush();
    });
    if (!this.backend) {
      this.problem = "Progress is not being saved: this browser does not let the page use its storage. Export your progress before you leave if you want to keep it.";
      return;
    }
    let raw = null;
    try {
      raw = this.backend.getItem(config.storageKey);
    } catch (error) {
      raw = null;
    }
    if (raw === null) return;
    let data = null;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      data = null;
    }
    if (!isObject(data) || data.version !== config.storageVersion || !isObject(data.items)) {
      this.keepAside(raw);
      return;
    }
    for (const [id, entry] of Object.entries(data.items)) {
      const { record } = cleanRecord(entry);
      if (record) this.items[id] = record;
      else this.kept[id] = entry;
    }
  }

  /** Unreadable saved progress is copied under another key before anything is saved. */
  keepAside(raw) {
    const aside = `${config.storageKey}:unreadable:${new Date().toISOString()}`;
    try {
      this.backend.setItem(aside, raw);
      this.backend.removeItem(config.storageKey);
      this.problem = `The progress saved in this browser could not be read. It was kept aside, unchanged (localStorage key "${aside}"), and saving starts afresh.`;
      this.notice = true;
    } catch (error) {
      // No room to keep a copy: overwriting it is left to an explicit reset or import.
      this.backend = null;
      this.corrupted = true;
      this.problem = "Progress is not being saved: the progress saved in this browser could not be read, and there is no room to keep a copy of it. Import an exported file, or use Reset this page, to start saving again.";
    }
  }

  /** The record of item `id`; `kind` lets an older record without its kind be read. */
  get(id, kind = null) {
    if (!(id in this.items) && id in this.kept && kind) {
      const { record } = cleanRecord(this.kept[id], kind);
      if (record) {
        this.items[id] = record;
        delete this.kept[id];
      }
    }
    return this.items[id];
  }

  set(id, record) {
    this.items[id] = record;
    this.schedule();
  }

  remove(id) {
    delete this.items[id];
    this.schedule();
  }

  schedule() {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  /** Write now (also on leaving the page, so text typed a moment ago is not lost). */
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.backend || !this.dirty) return;
    this.dirty = false;
    const items = { ...this.kept };
    const large = new Set();
    let saved = null;
    for (const [id, record] of Object.entries(this.items)) {
      if (JSON.stringify(record).length > schema.maxRecordChars) {
        large.add(id);
        // Keep what was saved for it before, unchanged.
        saved ??= this.savedItems();
        if (id in saved) items[id] = saved[id];
      } else {
        items[id] = record;
      }
    }
    this.tooLarge = large;
    const text = JSON.stringify({ version: config.storageVersion, items });
    let problem = "";
    if (text.length > schema.maxTotalChars) {
      problem = `Your latest answers are not saved: all progress together would be over ${schema.maxTotalChars.toLocaleString("en")} characters. Export it, then use Reset on pages you have finished. What was saved before is kept.`;
    } else {
      try {
        this.backend.setItem(config.storageKey, text);
      } catch (error) {
        problem = "Your latest answers are not saved: the browser's storage is full or no longer available. What was saved before is kept; export your progress to keep the rest.";
      }
    }
    if (!problem && large.size) {
      problem = `Not saved, too large (over ${schema.maxRecordChars.toLocaleString("en")} characters): your answer to ${[...large].join(", ")}. The earlier one is kept.`;
    }
    if (problem || !this.notice) this.problem = problem;
    this.onchange();
  }

  /** What is in storage now, read back (used to keep an earlier record unchanged). */
  savedItems() {
    try {
      const data = JSON.parse(this.backend.getItem(config.storageKey));
      return isObject(data) && isObject(data.items) ? data.items : {};
    } catch (error) {
      return {};
    }
  }

  /** Every record (a copy), to undo a reset. */
  snapshot() {
    return copy(this.items);
  }

  /** Put records back (the undo of a reset). */
  putBack(records) {
    Object.assign(this.items, copy(records));
    this.dirty = true;
    this.flush();
  }

  /** Start saving again after unreadable progress could not be kept aside, by replacing it. */
  recover() {
    if (!this.corrupted) return;
    this.corrupted = false;
    this.backend = storage();
    this.problem = "";
  }

  exportText() {
    return JSON.stringify(
      {
        format: schema.format,
        version: config.storageVersion,
        exported: new Date().toISOString(),
        items: this.items,
      },
      null,
      2,
    );
  }

  /**
   * Merge an exported file into the progress. `kindOf(id)` is the kind of the item on this
   * page (or null), and `accept(id, record)` checks a record against
   * the item on this page (null when the page cannot show it; items on other pages are
   * checked there). Returns {imported: [ids], problems: ["id: what is wrong"]}; throws when
   * the file is not an export at all.
   */
  importText(text, kindOf, accept) {
    let data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error("The file is not JSON.");
    }
    if (!isObject(data) || data.format !== schema.format || !isObject(data.items)) {
      throw new Error("The file is not a Backprop Lab progress export.");
    }
    const imported = [];
    const problems = [];
    const taken = {};
    for (const [id, entry] of Object.entries(data.items)) {
      const { record, problem } = cleanRecord(entry, kindOf(id));
      const refusal = problem || accept(id, record);
      if (refusal) problems.push(`${id.slice(0, 80)}: ${refusal}`);
      else {
        taken[id] = record;
        imported.push(id);
      }
    }
    if (imported.length) {
      this.recover();
      Object.assign(this.items, taken);
      this.dirty = true;
      this.flush();
    }
    return { imported, problems };
  }
}
