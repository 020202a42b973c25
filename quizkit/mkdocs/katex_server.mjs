// Typesets TeX with KaTeX for the site build (quizkit/mkdocs/math_render.py), one process per
// build. Each request is one line of JSON, a list of {tex, display}; the answer is one line, a
// list of {html, error, warnings} in the same order. A whole page travels as one line so that
// neither side ever waits to write while the other is writing (a deadlock on full pipes).
//
//     node katex_server.mjs <KaTeX's dist folder>
//
// KaTeX is loaded from the folder whose CSS and fonts the site ships, so markup and style sheet
// come from one version.
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const dist = process.argv[2];
if (!dist) {
  console.error("usage: node katex_server.mjs <KaTeX's dist folder>");
  process.exit(2);
}
const { default: katex } = await import(pathToFileURL(path.join(dist, "katex.mjs")).href);

// What quiz-math.js passes in the browser, so a formula looks the same whichever side typeset it.
const OPTIONS = { throwOnError: false, trust: false };

// KaTeX reports LaTeX it accepts but LaTeX would not (strict: "warn") on the console; those
// notes are returned with the formula they concern instead of being lost on stderr.
let notes = [];
console.warn = (...args) => notes.push(args.join(" "));

function typeset({ tex, display }) {
  notes = [];
  const options = { ...OPTIONS, displayMode: Boolean(display) };
  let error = null;
  let html;
  try {
    html = katex.renderToString(tex, { ...options, throwOnError: true });
  } catch (caught) {
    if (!(caught instanceof katex.ParseError)) return { html: null, error: String(caught), warnings: notes };
    error = caught.message;
    // Shown as the browser would show it: the source in KaTeX's error colour, the message as
    // its title.
    html = katex.renderToString(tex, options);
  }
  return { html, error, warnings: notes };
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  process.stdout.write(`${JSON.stringify(JSON.parse(line).map(typeset))}\n`);
}
