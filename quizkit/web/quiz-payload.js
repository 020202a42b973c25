// Reading what the build encoded into the page: base64 of UTF-8 text, as
// quizkit.mkdocs.render writes an item's JSON payload and quizkit.mkdocs.runnable a cell's code.

/** The UTF-8 text that `base64` encodes ("" for none). */
export function decodeBase64(base64) {
  const bytes = Uint8Array.from(atob(base64 || ""), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The decoded payload of a quiz item's <section>. */
export function itemPayload(section) {
  return JSON.parse(decodeBase64(section.dataset.qkPayload));
}
