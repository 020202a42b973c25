// Reading an item's encoded payload (base64 of UTF-8 JSON, written by quizkit.mkdocs.render).

/** The decoded payload of a quiz item's <section>. */
export function itemPayload(section) {
  const bytes = Uint8Array.from(atob(section.dataset.qkPayload || ""), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
