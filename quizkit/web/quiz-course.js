// The course quiz (quiz/): draws questions from every bank with a seeded generator, shows the
// draw's header, and runs it as an exam. Loaded by quiz.js on the page that has .qk-course.
//
// Everything comes from one same-origin JSON asset written at build time
// (quizkit/mkdocs/course_quiz.py): every eligible item's HTML as its lesson page shows it, its
// metadata (difficulty, topics, minutes, lesson, glossary terms) and the draw's rules. The
// draw and the header are computed here only. The drawn items are mounted by quiz.js's
// widgets (mountGroup) in exam mode, with their records kept apart from the lessons' under
// a prefix that names the seed.
import { forgetGroup, mountGroup } from "./quiz.js";
import { make } from "./dom.js";
import { renderMath, renderMathWhenNear } from "./quiz-math.js";

const MAX_SEED = 2 ** 31 - 1;
const SECOND = 1000;

/** mulberry32: a small seeded generator of floats in [0, 1), the same in every browser. */
export function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(list, random) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The draw for `seed`: {items, shortfalls}. For each difficulty, `pool.draw[difficulty]`
 * questions, each time the one whose lesson has the fewest questions so far (then whose
 * topics are least used), ties in the seed's shuffled order; at most `pool.maxPerKind[kind]`
 * of a kind. The scarcest difficulty is drawn first, so that its few questions do not all
 * land in lessons already used. A difficulty with too few questions gives all it has and is
 * listed in `shortfalls` ({difficulty, wanted, got}). Items are returned easy to hard, in
 * course order within a difficulty. Of `pool.candidateDraws` such draws (the first from
 * `seed`, the others from seeds it generates), the one whose estimated time is closest to
 * `pool.targetMinutes` is returned.
 */
export function draw(pool, seed) {
  // Several candidate draws, each from its own seed that `seed` determines; the one whose
  // estimated time is closest to the target is taken (the first, on a tie).
  const seeds = generator(seed);
  let best = null;
  for (let n = 0; n < (pool.candidateDraws ?? 1); n += 1) {
    const candidate = drawOnce(pool, n === 0 ? seed : Math.floor(seeds() * MAX_SEED) + 1);
    const off = Math.abs(header(pool, candidate.items).minutes - (pool.targetMinutes ?? 0));
    if (best === null || off < best.off) best = { ...candidate, off };
  }
  return { items: best.items, shortfalls: best.shortfalls };
}

function drawOnce(pool, seed) {
  const order = shuffle(pool.items.map((_, index) => index), generator(seed));
  const used = { lesson: new Map(), kind: new Map(), topic: new Map() };
  const count = (map, key) => map.get(key) ?? 0;
  const bump = (map, key) => map.set(key, count(map, key) + 1);
  const available = (difficulty) => pool.items.filter((item) => item.difficulty === difficulty).length;
  const wanted = (difficulty) => pool.draw[difficulty] ?? 0;
  const strata = pool.difficulties
    .filter((difficulty) => wanted(difficulty) > 0)
    .sort((a, b) => available(a) / wanted(a) - available(b) / wanted(b));
  const chosen = new Set();
  const shortfalls = [];
  for (const difficulty of strata) {
    let got = 0;
    while (got < wanted(difficulty)) {
      let best = null;
      let bestCost = null;
      for (const index of order) {
        const item = pool.items[index];
        if (item.difficulty !== difficulty || chosen.has(index)) continue;
        if (count(used.kind, item.kind) >= (pool.maxPerKind[item.kind] ?? Infinity)) continue;
        const cost = [count(used.lesson, item.lesson), item.topics.reduce((sum, t) => sum + count(used.topic, t), 0)];
        if (best === null || cost[0] < bestCost[0] || (cost[0] === bestCost[0] && cost[1] < bestCost[1])) {
          best = index;
          bestCost = cost;
        }
      }
      if (best === null) break;
      const item = pool.items[best];
      chosen.add(best);
      bump(used.lesson, item.lesson);
      bump(used.kind, item.kind);
      for (const topic of item.topics) bump(used.topic, topic);
      got += 1;
    }
    if (got < wanted(difficulty)) shortfalls.push({ difficulty, wanted: wanted(difficulty), got });
  }
  const rank = (index) => pool.difficulties.indexOf(pool.items[index].difficulty);
  const items = [...chosen].sort((a, b) => rank(a) - rank(b) || a - b).map((index) => pool.items[index]);
  shortfalls.sort((a, b) => pool.difficulties.indexOf(a.difficulty) - pool.difficulties.indexOf(b.difficulty));
  return { items, shortfalls };
}

/**
 * The header of a draw: {questions, minutes, difficulty, topics, terms}. Minutes add up each
 * item's own estimate (quizkit/mkdocs/stats.py: item_minutes), rounded up to whole minutes;
 * topics are ordered by how many questions carry them, ties in order of first appearance;
 * terms are the glossary entries the questions use, in glossary order.
 */
export function header(pool, items) {
  const difficulty = Object.fromEntries(pool.difficulties.map((d) => [d, 0]));
  const topics = new Map();
  const terms = new Set();
  let minutes = 0;
  for (const item of items) {
    difficulty[item.difficulty] += 1;
    minutes += item.minutes;
    for (const topic of item.topics) topics.set(topic, (topics.get(topic) ?? 0) + 1);
    for (const slug of item.terms) terms.add(slug);
  }
  const first = [...topics.keys()];
  return {
    questions: items.length,
    minutes: Math.ceil(minutes - 1e-9),
    difficulty,
    topics: first.sort((a, b) => topics.get(b) - topics.get(a) || first.indexOf(a) - first.indexOf(b)),
    terms: pool.terms.filter((term) => terms.has(term.slug)),
  };
}

const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** The seed named by the address, or null. */
function addressSeed() {
  const text = new URL(window.location.href).searchParams.get("seed");
  if (text === null || !/^\d{1,10}$/.test(text)) return null;
  const seed = Number(text);
  return seed >= 1 && seed <= MAX_SEED ? seed : null;
}

function randomSeed() {
  return 1 + Math.floor(Math.random() * MAX_SEED);
}

function withSeed(seed) {
  const url = new URL(window.location.href);
  url.searchParams.set("seed", String(seed));
  url.hash = "";
  return url;
}

// The quiz's own state, per seed: {submitted, deadline, at}. Item records are in the store.
function readState(key) {
  try {
    const data = JSON.parse(window.localStorage.getItem(key) || "{}");
    return data && typeof data.exams === "object" && data.exams ? data : { exams: {} };
  } catch (error) {
    return { exams: {} };
  }
}

function writeState(key, state) {
  try {
    window.localStorage.setItem(key, JSON.stringify(state));
  } catch (error) {
    // Storage off or full: the quiz still works in this visit (the store reports it).
  }
}

/**
 * Two tabs' states of one quiz merged one way: once submitted it stays submitted (with no
 * deadline), and the earliest deadline wins (a timer started in either tab runs in both).
 */
export function mergeExam(mine, theirs) {
  if (!theirs) return { ...mine };
  const submitted = Boolean(mine.submitted || theirs.submitted);
  const deadlines = [mine.deadline, theirs.deadline].filter(Number.isFinite);
  return { submitted, deadline: submitted || !deadlines.length ? null : Math.min(...deadlines) };
}

function renderHeader(box, pool, seed, figures, shortfalls) {
  const mix = pool.difficulties
    .map((d) => `<span class="qk-difficulty qk-difficulty-${d}">${figures.difficulty[d]} ${d}</span>`)
    .join(", ");
  const stats = make("dl", { class: "qk-stats" });
  const row = (term, html, className = "") => {
    const div = make("div", className ? { class: className } : {});
    const dd = make("dd");
    if (typeof html === "string") dd.innerHTML = html;
    else dd.append(html);
    div.append(make("dt", {}, term), dd);
    stats.append(div);
  };
  row("Questions", String(figures.questions), "qk-course-count");
  row("Estimated time", `about ${plural(figures.minutes, "minute")}`, "qk-course-minutes");
  row("Difficulty", mix, "qk-course-mix");
  row("Draw", `seed ${seed}`, "qk-course-seed");
  const tags = make("ul", { class: "qk-tags", "aria-label": "Topics" });
  for (const topic of figures.topics) tags.append(make("li", {}, topic.replaceAll("-", " ")));
  const parts = [stats, tags];
  if (shortfalls.length) {
    const list = shortfalls
      .map((s) => `${s.got} ${s.difficulty} (of the ${s.wanted} asked for)`)
      .join(", ");
    parts.push(
      make(
        "p",
        { class: "qk-course-short" },
        `The course has too few questions this quiz can use at some difficulties, so this draw has ${list}: all there are.`,
      ),
    );
  }
  if (figures.terms.length) {
    const details = make("details", { class: "qk-terms" });
    details.append(make("summary", {}, `Glossary terms in this quiz (${figures.terms.length})`));
    const dl = make("dl");
    for (const term of figures.terms) {
      const dt = make("dt");
      dt.append(make("a", { href: term.href }, term.term));
      const dd = make("dd");
      dd.innerHTML = term.definition; // rendered by the site build
      dl.append(dt, dd);
    }
    details.append(dl);
    renderMath(dl);
    parts.push(details);
  }
  box.replaceChildren(...parts);
}

/** The drawn items' HTML, numbered, with the key blocks set aside for the answer sheet. */
function insertItems(container, items) {
  const keys = new Map();
  items.forEach((item, index) => {
    const holder = make("div");
    holder.innerHTML = item.html; // rendered by the site build, as on the lesson page
    const section = holder.querySelector(".qk-item");
    const title = section.querySelector(".qk-title");
    title.firstChild.textContent = `Question ${index + 1}`;
    // No live numbers and no step-through graph (it shows the values) in an exam.
    if (item.kind === "numeric_trace") section.dataset.qkLive = "";
    const fallback = section.querySelector(".qk-fallback");
    keys.set(item.id, fallback);
    fallback?.remove();
    container.append(section);
  });
  return keys;
}

/** One item's part of the answer sheet: the key and explanation, and where to revisit. */
function sheetBlock(fallback, lesson) {
  const block = make("div", { class: "qk-sheet" });
  if (fallback) {
    const explanation = fallback.querySelector(".qk-fallback-explanation");
    explanation?.remove();
    fallback.querySelector("summary")?.remove();
    block.append(make("p", { class: "qk-explanation-title" }, "The answer"), ...fallback.childNodes);
    if (explanation) block.append(make("p", { class: "qk-explanation-title" }, "Explanation"), explanation);
  }
  const revisit = make("p", { class: "qk-revisit" }, "Revisit: ");
  revisit.append(make("a", { href: lesson.url }, lesson.title));
  block.append(revisit);
  renderMath(block);
  return block;
}

export async function mount(course) {
  const headerBox = course.querySelector(".qk-course-header");
  const controls = course.querySelector(".qk-course-controls");
  const container = course.querySelector(".qk-course-items");
  const end = course.querySelector(".qk-course-end");
  let pool;
  try {
    const response = await fetch(new URL(course.dataset.qkPool, window.location.href));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    pool = await response.json();
  } catch (error) {
    headerBox.replaceChildren(make("p", { class: "qk-course-error" }, `The questions could not be loaded (${error.message}). Reload the page to try again.`));
    return;
  }

  let seed = addressSeed();
  if (seed === null) {
    // Back to the quiz in progress, if any; otherwise a new draw. The seed goes in the address.
    const { exams } = readState(pool.stateKey);
    const recent = Object.entries(exams).sort((a, b) => String(b[1].at).localeCompare(String(a[1].at)))[0];
    seed = recent && !recent[1].submitted ? Number(recent[0]) : randomSeed();
    history.replaceState(history.state, "", withSeed(seed));
  }
  const prefix = `${pool.storePrefix}${seed}:`;
  let exam = mergeExam({ submitted: false, deadline: null }, readState(pool.stateKey).exams[seed]);
  /**
   * Read, merge, write: another tab's state of this quiz is read just before writing, so a
   * tab opened earlier never undoes a submission or a timer (mergeExam).
   */
  const save = () => {
    const state = readState(pool.stateKey);
    exam = mergeExam(exam, state.exams[seed]);
    state.exams[seed] = { ...exam, at: new Date().toISOString() };
    // Only the most recent quizzes keep their answers.
    const old = Object.entries(state.exams)
      .sort((a, b) => String(b[1].at).localeCompare(String(a[1].at)))
      .slice(pool.keepQuizzes);
    for (const [oldSeed] of old) {
      delete state.exams[oldSeed];
      forgetGroup(`${pool.storePrefix}${oldSeed}:`);
    }
    writeState(pool.stateKey, state);
  };

  const { items, shortfalls } = draw(pool, seed);
  const figures = header(pool, items);
  renderHeader(headerBox, pool, seed, figures, shortfalls);
  const keys = insertItems(container, items);
  renderMathWhenNear(container);

  // At the top: progress, the optional timer and a new draw. Submit is at the end, after the
  // last question; the running clock is a small bar fixed at the bottom of the screen.
  const progress = make("p", { class: "qk-course-progress" });
  const again = make("a", { class: "md-button qk-course-new", href: withSeed(randomSeed()).href }, "New questions");
  const timerButton = make("button", { type: "button", class: "md-button qk-course-timer-start" }, `Start the timer (${plural(figures.minutes, "minute")})`);
  const say = make("p", { class: "qk-course-say", "aria-live": "polite" });
  const buttons = make("div", { class: "qk-course-buttons" });
  buttons.append(timerButton, again);
  controls.append(progress, buttons, say);
  const clock = make("p", { class: "qk-course-clock", role: "timer", "aria-label": "Time left", tabindex: "-1", hidden: "" });
  course.append(clock);
  const finishBar = make("div", { class: "qk-course-finish qk-course-controls", role: "group", "aria-label": "Submit the quiz" });
  const left = make("p", { class: "qk-course-left" });
  const submit = make("button", { type: "button", class: "md-button md-button--primary qk-course-submit" }, "Submit the quiz");
  const confirm = make("p", { class: "qk-confirm qk-course-confirm", hidden: "" });
  const question = make("span", { class: "qk-confirm-question" });
  const anyway = make("button", { type: "button", class: "md-button md-button--primary qk-course-submit-anyway" }, "Submit anyway");
  const keepGoing = make("button", { type: "button", class: "md-button qk-course-keep" }, "Keep answering");
  confirm.append(question, " ", anyway, " ", keepGoing);
  finishBar.append(left, submit, confirm);
  end.replaceChildren(finishBar);
  // Each click of "New questions" offers another seed (the link is a real address).
  again.addEventListener("click", () => {
    again.href = withSeed(randomSeed()).href;
  });

  let group = null;
  const unanswered = () => group.items.filter((item) => item.response() === null);
  const refresh = () => {
    if (!group) return;
    const answered = group.items.length - unanswered().length;
    if (exam.submitted) {
      const score = group.items.reduce((sum, item) => sum + (item.score() ?? 0), 0);
      progress.textContent = `Submitted. Score: ${Math.round(score * 100) / 100} of ${group.items.length}.`;
    } else {
      progress.textContent = `${answered} of ${plural(group.items.length, "question")} answered. Nothing is marked until you submit, with the button after the last question.`;
      left.textContent = `${answered} of ${plural(group.items.length, "question")} answered.`;
    }
    const problem = [group.problem(), ...group.notes].filter(Boolean).join(" ");
    if (problem && say.textContent !== problem && !exam.submitted) say.textContent = problem;
  };
  group = mountGroup(container, { prefix, exam: true, onchange: refresh });
  const lessonOf = new Map(items.map((item) => [item.id, pool.lessons[item.lesson]]));
  const sectionOf = (item) => container.querySelector(`#qk-${CSS.escape(item.id)}`);

  // The fixed clock must never cover the element that has focus (WCAG 2.4.11): the page
  // scrolls focused elements clear of it.
  const padForClock = (on) => {
    document.documentElement.style.scrollPaddingBottom = on ? `${clock.offsetHeight + 8}px` : "";
  };

  let ticking = null;
  function finish(message, focus = true) {
    if (container.querySelector(".qk-sheet")) return;
    // Another tab's answers and submission first: what it submitted is what counts.
    group.sync();
    exam.submitted = true;
    exam.deadline = null;
    clearTimeout(ticking);
    clock.hidden = true;
    padForClock(false);
    timerButton.hidden = true;
    // Marked silently (each item's live regions would speak at once); one sentence follows.
    container.setAttribute("aria-busy", "true");
    for (const item of group.items) {
      const section = sectionOf(item);
      section.classList.add("qk-submitted");
      item.submit();
      section.querySelector(".qk-status").after(sheetBlock(keys.get(item.id), lessonOf.get(item.id)));
    }
    // The records first, then the state: a tab told of the submission finds them saved.
    group.flush();
    save();
    container.removeAttribute("aria-busy");
    const score = group.items.reduce((sum, item) => sum + (item.score() ?? 0), 0);
    const total = `Score: ${Math.round(score * 100) / 100} of ${group.items.length}.`;
    const heading = make("h2", { id: "qk-answer-sheet", tabindex: "-1" }, "Answer sheet");
    const summary = make("p", { class: "qk-course-score" }, `${total} Each question below shows your answer marked, the answer, the explanation and the lesson to revisit.`);
    const list = make("ol", { class: "qk-course-sheet-list" });
    group.items.forEach((item) => {
      const li = make("li");
      const value = item.score() ?? 0;
      const lesson = lessonOf.get(item.id);
      const answered = item.record().response !== null;
      li.append(make("a", { href: `#qk-${item.id}` }, sectionOf(item).querySelector(".qk-title").firstChild.textContent));
      li.append(`: ${answered ? `${Math.round(value * 100) / 100} of 1` : "not answered"}. Revisit `);
      li.append(make("a", { href: lesson.url, class: "qk-course-lesson" }, lesson.title), ".");
      list.append(li);
    });
    end.replaceChildren(heading, summary, list);
    if (message) say.textContent = `${message} ${total} The answer sheet is at the end of the page.`;
    refresh();
    if (focus) heading.focus();
  }

  function tick() {
    if (!course.isConnected) {
      padForClock(false); // the reader went to another page (instant navigation)
      return;
    }
    const remaining = exam.deadline - Date.now();
    if (remaining <= 0) {
      finish("Time is up: your answers were submitted.");
      return;
    }
    const seconds = Math.ceil(remaining / SECOND);
    clock.textContent = `Time left: ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    if (seconds === 60 || seconds === 300) say.textContent = `${plural(seconds / 60, "minute")} left.`;
    clearTimeout(ticking);
    ticking = setTimeout(tick, Math.min(SECOND, remaining));
  }
  function startClock() {
    timerButton.hidden = true;
    clock.hidden = false;
    tick();
    padForClock(true);
  }

  // Unanswered questions: ask first, as Reset does.
  submit.addEventListener("click", () => {
    const missing = unanswered().length;
    if (!missing) {
      finish("Your answers were submitted.");
      return;
    }
    question.textContent = `${missing} of ${group.items.length} not answered. Submit anyway?`;
    confirm.hidden = false;
    submit.hidden = true;
    keepGoing.focus();
  });
  anyway.addEventListener("click", () => finish("Your answers were submitted."));
  keepGoing.addEventListener("click", () => {
    confirm.hidden = true;
    submit.hidden = false;
    // To the first question without an answer.
    const first = unanswered()[0];
    const title = first && sectionOf(first).querySelector(".qk-title");
    if (title) {
      title.tabIndex = -1;
      title.focus();
    } else {
      submit.focus();
    }
  });
  timerButton.addEventListener("click", () => {
    exam.deadline = Date.now() + figures.minutes * 60 * SECOND;
    save();
    say.textContent = `The timer is running: ${plural(figures.minutes, "minute")}. The quiz is submitted when it ends.`;
    startClock();
    clock.focus();
  });

  // Another tab submitted this quiz or started its timer: follow it here.
  const onStorage = (event) => {
    if (!course.isConnected) {
      window.removeEventListener("storage", onStorage);
      return;
    }
    if (event.key !== pool.stateKey || exam.submitted) return;
    const theirs = readState(pool.stateKey).exams[seed];
    exam = mergeExam(exam, theirs);
    if (exam.submitted) finish("This quiz was submitted in another tab.", false);
    else if (exam.deadline && clock.hidden) startClock();
  };
  window.addEventListener("storage", onStorage);
  // Back or Forward to another draw's address: instant navigation keeps this page when only
  // the seed differs, so the page is loaded again for the address's seed.
  // (quizkit/mkdocs/anchors.js turns a traversal within a page loaded in full, which Material's
  // instant navigation must not see, into a quizkit:popstate.)
  const onPopState = () => {
    if (!course.isConnected) {
      window.removeEventListener("popstate", onPopState);
      window.removeEventListener("quizkit:popstate", onPopState);
      return;
    }
    const wanted = addressSeed();
    if (wanted !== null && wanted !== seed) window.location.reload();
  };
  window.addEventListener("popstate", onPopState);
  window.addEventListener("quizkit:popstate", onPopState);

  save();
  if (exam.submitted) finish("", false);
  else if (exam.deadline) startClock();
  refresh();
}
