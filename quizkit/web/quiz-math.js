// Math typesetting in the browser, for math that is not typeset yet: arithmatex's \( \) and
// \[ \] spans, and the $...$ that notebook Markdown cells keep as written.
//
// The site build typesets a page's math (quizkit/mkdocs/math_render.py) and marks it
// data-qk-math, so a lesson loads no KaTeX script at all. What is left is math that reaches the
// page later: the encoded feedback and explanations, the course quiz's drawn items. KaTeX's
// script is loaded the first time such math is to be shown, and formulas far down a page wait
// until the reader scrolls towards them (or prints the page).

import { whenNear } from "./dom.js";

const NOTEBOOK_MARKDOWN = ".jp-RenderedMarkdown";
const PENDING = `.arithmatex:not([data-qk-math]), ${NOTEBOOK_MARKDOWN}:not([data-qk-math])`;
// KaTeX as the plugin copies it (quizkit/mkdocs/assets.py KATEX), beside assets/quizkit/.
const KATEX_JS = new URL("../katex/katex.min.js", import.meta.url).href;
const KATEX_AUTO_RENDER = new URL("../katex/contrib/auto-render.min.js", import.meta.url).href;

/** Typeset every formula under `root` now (small fragments: feedback, explanations). */
export function renderMath(root) {
  if (!root) return;
  const found = root.matches?.(PENDING) ? [root] : [];
  typesetAll([...found, ...root.querySelectorAll(PENDING)]);
}

let printing = false;

/** Typeset the formulas under `root` as they come near the screen. */
export function renderMathWhenNear(root) {
  if (!root) return;
  // Typeset by the build: only a wide display formula's keyboard access is left to do.
  for (const el of root.querySelectorAll("div.arithmatex[data-qk-math]")) watchWidth(el);
  const pending = root.querySelectorAll(PENDING);
  if (pending.length === 0) return;
  whenNear(pending, typesetAll);
  if (!printing) {
    printing = true;
    window.addEventListener("beforeprint", () => renderMath(document.body));
  }
}

/** Typeset `elements`: at once when KaTeX is loaded, else once it is. */
function typesetAll(elements) {
  const waiting = elements.filter((el) => !("qkMath" in el.dataset));
  if (waiting.length === 0) return;
  const notebook = waiting.some((el) => el.matches(NOTEBOOK_MARKDOWN));
  if (window.katex && (!notebook || window.renderMathInElement)) {
    for (const el of waiting) typeset(el);
    return;
  }
  loadKatex(notebook).then(
    () => {
      for (const el of waiting) typeset(el);
    },
    (error) => console.warn("KaTeX could not be loaded", error),
  );
}

const loading = new Map();

function loadScript(src) {
  if (!loading.has(src)) {
    loading.set(
      src,
      new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = () => {
          loading.delete(src); // a later formula tries again (the network may be back)
          reject(new Error(`${src} did not load`));
        };
        document.head.append(script);
      }),
    );
  }
  return loading.get(src);
}

/** KaTeX (and auto-render, which needs it loaded first, for notebook cells). */
async function loadKatex(notebook) {
  if (!window.katex) await loadScript(KATEX_JS);
  if (notebook && typeof window.renderMathInElement !== "function") {
    await loadScript(KATEX_AUTO_RENDER);
  }
}

function typeset(el) {
  if ("qkMath" in el.dataset) return;
  el.dataset.qkMath = "";
  if (el.matches(NOTEBOOK_MARKDOWN)) {
    if (typeof window.renderMathInElement !== "function") return;
    window.renderMathInElement(el, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
      ],
      throwOnError: false,
      trust: false,
    });
    return;
  }
  const text = el.textContent.trim();
  const display = text.startsWith("\\[");
  const tex = text.replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
  // The same options as the build's (quizkit/mkdocs/katex_server.mjs).
  try {
    window.katex.render(tex, el, { displayMode: display, throwOnError: false, trust: false });
  } catch (error) {
    console.warn("KaTeX could not render", tex, error);
  }
  if (el.closest("label")) speakGlyphs(el);
  if (display) watchWidth(el);
}

// A form control's name is computed from its label's text, and MathML contributes none to
// that computation (axe reports such controls as unlabelled). Inside labels the rendered
// glyphs ("∂f/∂x") are exposed instead of the MathML copy (the build does the same).
function speakGlyphs(el) {
  for (const mathml of el.querySelectorAll(".katex-mathml")) mathml.setAttribute("aria-hidden", "true");
  for (const html of el.querySelectorAll(".katex-html")) html.removeAttribute("aria-hidden");
}

// A display equation wider than the column scrolls sideways; keyboard users must be able to
// focus it to scroll it. Its width is known only after layout, changes when KaTeX's fonts
// load and with the window: a ResizeObserver is told after each such layout, when reading
// widths costs nothing. Every width is read before any tabindex is written, and only a
// change is written: a write between two reads would lay the whole page out again, once per
// formula (seconds on a lesson whose formulas all arrive typeset).
let resized = null;

function watchWidth(el) {
  resized ??= new ResizeObserver((entries) => {
    const boxes = new Set(entries.map(({ target }) => target.closest(".arithmatex")));
    const changed = [...boxes].filter(
      (box) => box.scrollWidth > box.clientWidth !== box.hasAttribute("tabindex"),
    );
    for (const box of changed) {
      if (box.hasAttribute("tabindex")) box.removeAttribute("tabindex");
      else box.tabIndex = 0;
    }
  });
  // The box keeps the column's width; the formula inside grows when its fonts arrive.
  for (const box of [el, el.querySelector(".katex-html")]) if (box) resized.observe(box);
}
