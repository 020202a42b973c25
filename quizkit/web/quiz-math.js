// Math typesetting with the self-hosted KaTeX: arithmatex's \( \) and \[ \] spans, and the
// $...$ that notebook Markdown cells keep as written.
//
// A lesson holds hundreds of formulas; typesetting them all at load kept the main thread busy
// for most of a second on a slow phone. The page typesets what is on screen or close to it,
// and the rest as the reader scrolls towards it (or prints the page).

const NOTEBOOK_MARKDOWN = ".jp-RenderedMarkdown";
const PENDING = `.arithmatex:not([data-qk-math]), ${NOTEBOOK_MARKDOWN}:not([data-qk-math])`;
// Far enough ahead that a formula is typeset before it scrolls into view.
const AHEAD = "1500px 0px";

/** Typeset every formula under `root` now (small fragments: feedback, explanations). */
export function renderMath(root) {
  if (!window.katex || !root) return;
  const found = root.matches?.(PENDING) ? [root] : [];
  for (const el of [...found, ...root.querySelectorAll(PENDING)]) typeset(el);
}

let near = null;
let printing = false;

/** Typeset the formulas under `root` as they come near the screen. */
export function renderMathWhenNear(root) {
  if (!window.katex || !root) return;
  if (!("IntersectionObserver" in window)) {
    renderMath(root);
    return;
  }
  near ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        near.unobserve(entry.target);
        typeset(entry.target);
      }
    },
    { rootMargin: AHEAD },
  );
  for (const el of root.querySelectorAll(PENDING)) near.observe(el);
  if (!printing) {
    printing = true;
    window.addEventListener("beforeprint", () => renderMath(document.body));
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
    });
    return;
  }
  const text = el.textContent.trim();
  const display = text.startsWith("\\[");
  const tex = text.replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
  try {
    window.katex.render(tex, el, { displayMode: display, throwOnError: false });
  } catch (error) {
    console.warn("KaTeX could not render", tex, error);
  }
  if (el.closest("label")) speakGlyphs(el);
  if (display) {
    // The box keeps the column's width; the formula inside grows when its fonts arrive.
    for (const box of [el, el.querySelector(".katex-html")]) if (box) widths().observe(box);
  }
}

// A form control's name is computed from its label's text, and MathML contributes none to
// that computation (axe reports such controls as unlabelled). Inside labels the rendered
// glyphs ("∂f/∂x") are exposed instead of the MathML copy.
function speakGlyphs(el) {
  for (const mathml of el.querySelectorAll(".katex-mathml")) mathml.setAttribute("aria-hidden", "true");
  for (const html of el.querySelectorAll(".katex-html")) html.removeAttribute("aria-hidden");
}

// A display equation wider than the column scrolls sideways; keyboard users must be able to
// focus it to scroll it. Its width is known only after layout, changes when KaTeX's fonts
// load and with the window: a ResizeObserver is told after each such layout, when reading
// widths costs nothing.
let resized = null;

function widths() {
  resized ??= new ResizeObserver((entries) => {
    for (const { target } of entries) {
      const box = target.closest(".arithmatex");
      if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
      else box.removeAttribute("tabindex");
    }
  });
  return resized;
}
