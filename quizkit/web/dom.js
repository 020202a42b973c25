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
 * Our scripts are async modules (they do not hold up DOMContentLoaded, when Material starts
 * its own components), so one may run while the page is still being parsed, before Material's
 * script has defined `document$`: it waits for the parse to end first.
 */
export function onEveryPage(init) {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => onEveryPage(init), { once: true });
  } else if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(() => init());
  } else {
    init();
  }
}

// How far ahead of the screen lazy work starts (a question's widget, a formula's typesetting):
// a screen or two, so that a reader scrolling down finds it done, and any change of height
// happens out of sight. An IntersectionObserver rootMargin.
const AHEAD = "1500px 0px";

/**
 * Call `start` with each batch of `elements` that comes within AHEAD of the screen, each
 * element once (all at once where IntersectionObserver is missing). Returns a function that
 * stops watching those not reached yet (a page left by instant navigation).
 */
export function whenNear(elements, start) {
  if (!("IntersectionObserver" in window)) {
    if (elements.length) start([...elements]);
    return () => {};
  }
  const near = new IntersectionObserver(
    (entries) => {
      const reached = entries.filter((entry) => entry.isIntersecting).map((entry) => entry.target);
      for (const element of reached) near.unobserve(element);
      if (reached.length) start(reached);
    },
    { rootMargin: AHEAD },
  );
  for (const element of elements) near.observe(element);
  return () => near.disconnect();
}

// Long enough to mount a few widgets, short enough that a task stays well under the 50 ms a
// browser counts as blocking, even on a phone four times slower than a laptop.
const TURN_MS = 8;

const nextTask = () =>
  globalThis.scheduler?.yield ? globalThis.scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Run `work` on each of `items` in order, in turns of about TURN_MS, giving the browser the
 * main thread between turns: a long lesson has dozens of widgets, and mounting them all in one
 * task would leave the page unresponsive to the reader's first taps and scrolls.
 */
export async function inTurns(items, work) {
  let start = performance.now();
  for (const item of items) {
    work(item);
    if (performance.now() - start > TURN_MS) {
      await nextTask();
      start = performance.now();
    }
  }
}
