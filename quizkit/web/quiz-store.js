// Saved progress: one JSON object in localStorage under a versioned key, keyed by item id so
// that it survives reloads and rebuilds of the site and is shared by every page showing the
// item. A record holds what the learner did (see quizkit/mkdocs/progress.py), never a score.
// Records are checked against the one schema Python ships in quiz-config.js, when loaded,
// saved, exported and imported. Every failure (storage disabled, full or unreadable) leaves
// the page working, is reported through `problem`, and destroys nothing already saved.
import config from "./quiz-config.js";

const schema = config.progress;
const SAVE_DELAY_MS = 300;
const UNDO_KEY = `${config.storageKey}:undo`;

/**
 * The browser's storage: {store, full}. `store` is null when the page may not use it at all;
 * `full` when it can be read but a write fails (what is saved is still read and exported).
 */
function storage() {
  let store = null;
  try {
    store = window.localStorage;
    store.getItem(config.storageKey);
  } catch (error) {
    return { store: null, full: false };
  }
  try {
    const probe = `${config.storageKey}:probe`;
    store.setItem(probe, "1");
    store.removeItem(probe);
    return { store, full: false };
  } catch (error) {
    return { store, full: true };
  }
}

// Maps keyed by item id have no prototype: an id such as "__proto__" is just an id.
const map = (entries = []) => Object.assign(Object.create(null), Object.fromEntries(entries));

const FULL =
  "the browser's storage is full for this site (it accepts nothing more). What was saved before is kept and shown; export your progress to keep new answers";

// Records of a group of items kept apart under a prefix (the course quiz's, quiz.js
// mountGroup) have a ":" in their key, which no item id has (bank ids are [a-z0-9-]). They
// are neither exported nor imported: a file could otherwise rewrite a submitted quiz.
const GROUP_RECORD = "course quiz answers are not imported (they stay in the browser that took the quiz)";
const isGroupRecord = (id) => id.includes(":");

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
      // Records saved before checks were counted: one check made what counts.
      checks: number("checks", counted === null ? 0 : 1),
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
  return map(Object.entries(JSON.parse(JSON.stringify(value))));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The credit an item keeps for the hints opened and the checks made before its key was seen
 * (progress.py: HINT_COST, RECHECK_COST, MIN_CREDIT).
 */
export function credit(record) {
  const rechecks = Math.max(0, (record.checks || 0) - 1);
  return Math.max(schema.minCredit, 1 - schema.hintCost * (record.hints || 0) - schema.recheckCost * rechecks);
}

/**
 * Two copies of one item's record (another tab's, an imported one) merged one way: the key,
 * once seen, stays seen with what counted when it was first seen; hints, checks and attempts
 * keep the larger count; the rest comes from the newer copy (progress.py).
 */
export function merge(mine, theirs) {
  if (!mine || !theirs || mine.kind !== theirs.kind) return mine || theirs;
  const theirsNewer = (theirs.at || "") > (mine.at || "");
  const [older, newer] = theirsNewer ? [mine, theirs] : [theirs, mine];
  const merged = { ...newer };
  merged.seen = mine.seen || theirs.seen;
  merged.hints = Math.max(mine.hints, theirs.hints);
  merged.checks = Math.max(mine.checks || 0, theirs.checks || 0);
  merged.attempt = Math.max(mine.attempt, theirs.attempt);
  if (merged.seen) {
    // What counted when the key was first seen; a self-assessment is the learner's latest rating.
    const selfRated = "self" in schema.responses[merged.kind];
    const locked = older.seen && !selfRated ? older : newer.seen ? newer : older;
    merged.counted = locked.counted ?? (selfRated ? older.counted : null);
  }
  return merged;
}

/**
 * A record with its responses cleared ("Reset this page"): what was seen, the hints opened,
 * the checks made and the attempts stay, and so does what counted once the key was seen.
 */
export function cleared(record) {
  if (!record) return null;
  return {
    ...record,
    attempt: record.attempt + 1,
    response: null,
    counted: record.seen ? record.counted : null,
    checked: false,
    revealed: false,
  };
}

/** An imported record without the fields the page recomputes (progress.py RECOMPUTED). */
function withoutRecomputed(record) {
  const fields = schema.recomputed[record.kind] || [];
  const strip = (response) => {
    if (!response) return response;
    const out = { ...response };
    for (const field of fields) if (field in out) out[field] = null;
    return out;
  };
  return { ...record, response: strip(record.response), counted: strip(record.counted) };
}

export class Store {
  constructor() {
    this.items = map();
    // Stored entries this page could not read: written back untouched, never dropped.
    this.kept = map();
    // Ids removed here, and ids put back by an undo (written as they are, not merged).
    this.removed = new Set();
    this.forced = new Set();
    this.problem = "";
    this.tooLarge = new Set();
    this.timer = null;
    this.onchange = () => {};
    // Called with the ids whose records changed from outside (another tab, a merge on saving).
    this.onupdate = () => {};
    const { store, full } = storage();
    this.backend = store;
    window.addEventListener("pagehide", () => this.flush());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.flush();
    });
    window.addEventListener("storage", (event) => {
      if (event.key === config.storageKey && event.storageArea === this.backend) this.refresh();
    });
    if (!this.backend) {
      this.problem = "Progress is not being saved: this browser does not let the page use its storage. Export your progress before you leave if you want to keep it.";
      return;
    }
    if (full) this.problem = `Progress is not being saved: ${FULL}.`;
    let raw = null;
    try {
      raw = this.backend.getItem(config.storageKey);
    } catch (error) {
      raw = null;
    }
    if (raw === null) return;
    const data = this.parse(raw);
    if (!data) {
      this.keepAside(raw);
      return;
    }
    for (const [id, entry] of Object.entries(data.items)) {
      const { record } = cleanRecord(entry);
      if (record) this.items[id] = record;
      else this.kept[id] = entry;
    }
  }

  /** The stored text as {items} (a prototype-free map), or null when it is not ours. */
  parse(raw) {
    let data = null;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      return null;
    }
    if (!isObject(data) || data.version !== config.storageVersion || !isObject(data.items)) return null;
    return { items: map(Object.entries(data.items)) };
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
    this.removed.delete(id);
    this.schedule();
  }

  remove(id) {
    delete this.items[id];
    this.removed.add(id);
    this.schedule();
  }

  schedule() {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  /**
   * Merge what another tab saved into the records here (one way, see merge), and return
   * the ids that changed. `stored` is the stored map of items (read now when not given).
   */
  absorb(stored = this.savedItems()) {
    const changed = [];
    for (const [id, entry] of Object.entries(stored)) {
      if (this.removed.has(id) || this.forced.has(id)) continue;
      const mine = this.items[id];
      const { record } = cleanRecord(entry, mine?.kind ?? null);
      if (!record) {
        if (!mine) this.kept[id] = entry;
        continue;
      }
      const merged = merge(mine, record);
      if (!same(merged, mine)) {
        this.items[id] = merged;
        delete this.kept[id];
        changed.push(id);
      }
    }
    return changed;
  }

  /** Another tab saved: take in what changed, and show it. */
  refresh() {
    if (!this.backend) return;
    const changed = this.absorb();
    if (changed.length) this.onupdate(changed);
  }

  /**
   * Write now (also on leaving the page, so text typed a moment ago is not lost): what is
   * stored is read first and merged item by item, so another tab's work is not overwritten.
   * Returns whether the write succeeded.
   */
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.backend || !this.dirty) return !this.problem;
    this.dirty = false;
    const stored = this.savedItems();
    const changed = this.absorb(stored);
    const items = map(Object.entries(this.kept));
    for (const [id, entry] of Object.entries(stored)) if (!(id in this.items) && !this.removed.has(id)) items[id] = entry;
    const large = new Set();
    for (const [id, record] of Object.entries(this.items)) {
      if (JSON.stringify(record).length > schema.maxRecordChars) {
        large.add(id);
        // Keep what was saved for it before, unchanged.
        if (id in stored) items[id] = stored[id];
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
        this.removed.clear();
        this.forced.clear();
      } catch (error) {
        problem = `Your latest answers are not saved: ${FULL}.`;
      }
    }
    if (!problem && large.size) {
      problem = `Not saved, too large (over ${schema.maxRecordChars.toLocaleString("en")} characters): your answer to ${[...large].join(", ")}. The earlier one is kept.`;
    }
    if (problem || !this.notice) this.problem = problem;
    if (changed.length) this.onupdate(changed);
    this.onchange();
    return !problem;
  }

  /** What is in storage now, read back (a prototype-free map of raw entries). */
  savedItems() {
    try {
      return this.parse(this.backend.getItem(config.storageKey))?.items ?? map();
    } catch (error) {
      return map();
    }
  }

  /** Every record (a copy), to undo a reset or an import. */
  snapshot() {
    return copy(this.items);
  }

  /**
   * Put records back as they were in `records` (a snapshot): the undo of a reset or an
   * import. Ids of `ids` that the snapshot lacks are removed. Written as they are, unmerged.
   */
  putBack(records, ids = Object.keys(records)) {
    for (const id of ids) {
      if (id in records) {
        this.items[id] = copy({ record: records[id] }).record;
        this.forced.add(id);
        this.removed.delete(id);
      } else {
        delete this.items[id];
        this.removed.add(id);
      }
    }
    this.dirty = true;
    return this.flush();
  }

  /**
   * Keep the snapshot an Undo puts back (`what`: "reset" or "import"; `ids`: the items it
   * covers) under its own storage key for `ms`, so a reload does not lose the offer.
   * Returns {what, records, ids, until}.
   */
  keepUndo(what, records, ids, ms) {
    const kept = { what, records: map(ids.filter((id) => id in records).map((id) => [id, records[id]])), ids, until: Date.now() + ms };
    try {
      this.backend?.setItem(UNDO_KEY, JSON.stringify(kept));
    } catch (error) {
      // No room: the offer lasts as long as the page.
    }
    return kept;
  }

  /** The undo kept by keepUndo, while it lasts (null after). */
  pendingUndo() {
    let kept = null;
    try {
      kept = JSON.parse(this.backend?.getItem(UNDO_KEY) ?? "null");
    } catch (error) {
      kept = null;
    }
    const fresh = isObject(kept) && Number.isFinite(kept.until) && kept.until > Date.now() && kept.until < Date.now() + 3_600_000;
    if (!fresh || !Array.isArray(kept.ids) || !isObject(kept.records)) {
      if (kept !== null) this.dropUndo();
      return null;
    }
    const records = map();
    for (const [id, entry] of Object.entries(kept.records)) {
      const { record } = cleanRecord(entry);
      if (record) records[id] = record;
    }
    return { what: kept.what === "import" ? "import" : "reset", records, ids: kept.ids.filter((id) => typeof id === "string"), until: kept.until };
  }

  dropUndo() {
    try {
      this.backend?.removeItem(UNDO_KEY);
    } catch (error) {
      // Nothing to drop.
    }
  }

  /** Start saving again after unreadable progress could not be kept aside, by replacing it. */
  recover() {
    if (!this.corrupted) return;
    this.corrupted = false;
    this.backend = storage().store;
    this.problem = "";
  }

  exportText() {
    return JSON.stringify(
      {
        format: schema.format,
        version: config.storageVersion,
        exported: new Date().toISOString(),
        items: map(Object.entries(this.items).filter(([id]) => !isGroupRecord(id))),
      },
      null,
      2,
    );
  }

  /**
   * Read an exported file without changing anything. `kindOf(id)` is the kind of the item
   * on this page (or null), and `accept(id, record)` checks a record against the item on
   * this page ("" when it can show it; items on other pages are checked there). An id the
   * course does not have (config.items, when the build ships them) is refused. Returns
   * {records, problems: ["id: what is wrong"]}; throws when the file is not an export.
   */
  readImport(text, kindOf, accept) {
    let data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error("The file is not JSON.");
    }
    if (!isObject(data) || data.format !== schema.format || !isObject(data.items)) {
      throw new Error("The file is not a Backprop Lab progress export.");
    }
    const course = config.items || null;
    const records = map();
    const problems = [];
    for (const [id, entry] of Object.entries(data.items)) {
      const name = id.length > 80 ? `${id.slice(0, 80)}…` : id;
      if (id.length > schema.maxIdChars) {
        problems.push(`${name}: no such question in this course (the id is over ${schema.maxIdChars} characters)`);
        continue;
      }
      if (isGroupRecord(id)) {
        problems.push(`${name}: ${GROUP_RECORD}`);
        continue;
      }
      const kind = kindOf(id) ?? (course && Object.hasOwn(course, id) ? course[id] : null);
      if (course && !Object.hasOwn(course, id) && !kindOf(id)) {
        problems.push(`${name}: no such question in this course`);
        continue;
      }
      const { record, problem } = cleanRecord(entry, kind);
      const refusal = problem || accept(id, record);
      if (refusal) problems.push(`${name}: ${refusal}`);
      else records[id] = merge(this.items[id], withoutRecomputed(record));
    }
    return { records, problems };
  }

  /**
   * Store the records read by readImport (already merged one way with the ones here).
   * Returns the ids that reached storage; the others stay as they were.
   */
  applyImport(records) {
    this.recover();
    if (!this.backend) return [];
    const before = this.snapshot();
    const ids = Object.keys(records);
    for (const id of ids) {
      this.items[id] = records[id];
      this.removed.delete(id);
    }
    this.dirty = true;
    if (this.flush()) return ids.filter((id) => !this.tooLarge.has(id));
    // Not written: the page goes on showing what is saved.
    for (const id of ids) {
      if (id in before) this.items[id] = before[id];
      else delete this.items[id];
    }
    return [];
  }
}
