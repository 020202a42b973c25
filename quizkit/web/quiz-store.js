// Saved progress: one JSON object in localStorage under a versioned key, keyed by item id so
// that it survives reloads and rebuilds of the site. Every failure (storage disabled, full,
// or holding unreadable data) leaves the page working and is reported through `problem`.
import config from "./quiz-config.js";

const FORMAT = "backprop-lab-progress";

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

function validItems(data) {
  if (!data || typeof data !== "object" || data.version !== config.storageVersion) return null;
  if (!data.items || typeof data.items !== "object" || Array.isArray(data.items)) return null;
  const items = {};
  for (const [id, state] of Object.entries(data.items)) {
    if (state && typeof state === "object" && !Array.isArray(state)) items[id] = state;
  }
  return items;
}

export class Store {
  constructor() {
    this.items = {};
    this.problem = "";
    this.backend = storage();
    if (!this.backend) {
      this.problem =
        "Progress is not being saved: this browser does not let the page use its storage.";
      return;
    }
    let raw = null;
    try {
      raw = this.backend.getItem(config.storageKey);
    } catch (error) {
      raw = null;
    }
    if (raw === null) return;
    let items = null;
    try {
      items = validItems(JSON.parse(raw));
    } catch (error) {
      items = null;
    }
    if (items === null) {
      // Overwriting unreadable data is left to an explicit import or reset by the learner.
      this.backend = null;
      this.problem =
        "Progress is not being saved: the progress saved in this browser could not be read. " +
        "Import an exported file, or use Reset this page, to start saving again.";
      this.corrupted = true;
      return;
    }
    this.items = items;
  }

  get(id) {
    return this.items[id];
  }

  set(id, state) {
    this.items[id] = state;
    this.persist();
  }

  remove(id) {
    delete this.items[id];
    this.persist();
  }

  persist() {
    if (!this.backend) return;
    try {
      this.backend.setItem(
        config.storageKey,
        JSON.stringify({ version: config.storageVersion, items: this.items }),
      );
    } catch (error) {
      this.backend = null;
      this.problem =
        "Progress is not being saved: the browser's storage is full or no longer available.";
    }
  }

  /** Start saving again after a corrupted record, by replacing it. */
  recover() {
    if (!this.corrupted) return;
    this.corrupted = false;
    this.backend = storage();
    this.problem = this.backend ? "" : this.problem;
    this.persist();
  }

  exportText() {
    return JSON.stringify(
      {
        format: FORMAT,
        version: config.storageVersion,
        exported: new Date().toISOString(),
        items: this.items,
      },
      null,
      2,
    );
  }

  /** Merge an exported file into the progress; returns the number of items read. */
  importText(text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error("The file is not JSON.");
    }
    const items = data && data.format === FORMAT ? validItems(data) : null;
    if (items === null) throw new Error("The file is not a Backprop Lab progress export.");
    this.recover();
    Object.assign(this.items, items);
    this.persist();
    return Object.keys(items).length;
  }
}
