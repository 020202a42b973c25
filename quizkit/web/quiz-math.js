// Math typesetting with the self-hosted KaTeX: arithmatex's \( \) and \[ \] spans, and the
// $...$ that notebook Markdown cells keep as written.

export function renderMath(root) {
  const katex = window.katex;
  if (!katex || !root) return;
  for (const el of root.querySelectorAll(".arithmatex:not([data-qk-math])")) {
    const text = el.textContent.trim();
    const display = text.startsWith("\\[");
    const tex = text.replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
    try {
      katex.render(tex, el, { displayMode: display, throwOnError: false });
    } catch (error) {
      console.warn("KaTeX could not render", tex, error);
    }
    el.dataset.qkMath = "";
    if (el.closest("label")) speakGlyphs(el);
    if (display) reachableWhenScrolling(el);
  }
  if (typeof window.renderMathInElement === "function") {
    for (const el of root.querySelectorAll(".jp-RenderedMarkdown:not([data-qk-math])")) {
      window.renderMathInElement(el, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "$", right: "$", display: false },
        ],
        throwOnError: false,
      });
      el.dataset.qkMath = "";
    }
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
// focus it to scroll it. Its width is known only once KaTeX's fonts have loaded.
function reachableWhenScrolling(el) {
  const check = () => {
    if (el.scrollWidth > el.clientWidth) el.tabIndex = 0;
  };
  check();
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(check);
}
