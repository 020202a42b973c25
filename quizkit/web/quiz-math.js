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
