// DOM helpers shared by the quiz widgets and the runtime's views. Text goes in through
// textContent only, so nothing given to them is ever parsed as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(node, attrs, text) {
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

/** An HTML element with attributes and (optional) text. */
export function make(tag, attrs = {}, text = "") {
  return build(document.createElement(tag), attrs, text);
}

/** An SVG element with attributes and (optional) text. */
export function makeSvg(tag, attrs = {}, text = "") {
  return build(document.createElementNS(SVG_NS, tag), attrs, text);
}

/**
 * Run `init` for every page the reader sees: Material's instant navigation swaps the content
 * without reloading scripts and announces each page on `document$`; without it, once.
 */
export function onEveryPage(init) {
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(() => init());
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}
