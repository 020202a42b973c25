// Keeps a jump to an anchor within the page the browser's own until Material's instant
// navigation has carried a first navigation to another page. Inlined in every page's head
// (pages.head_scripts): its popstate listener must be added before Material's.
//
// Instant navigation (navigation.instant) decides whether to fetch a page by comparing each new
// address with the last one it handled, and in a page loaded in full it has handled none: the
// first jump within the page (a link of the table of contents, an anchor typed in the address
// bar, Back to where the reader was) made it fetch the same page again and swap it in. The swap
// restarted every question (from what it had saved), and it restored a scroll position read
// from the page it replaced, whose started questions are taller than the new page's unstarted
// ones: on the chain-rule lesson, "Summary" in the table of contents left that heading 101 px
// above the top of a desktop's screen, and the anchor typed on a phone 179 px.
//
// Material leaves a link that has a target to the browser, and learns of a jump from the
// popstate event the browser fires for it. So until its first navigation, a link to an anchor
// of this page gets target=_self for the length of the click, and a popstate within this page
// goes no further than this script's listener; the browser scrolls, and restores positions on
// Back and Forward, as on a site without instant navigation. Once Material has navigated, it
// knows the page it shows and handles jumps within it without fetching anything.
(() => {
  // Until then every history entry of this document was made by a jump within it (or changed
  // by the page's own scripts: a course quiz's or a trace's ?seed=), so its path is this one.
  const path = location.pathname;
  const onClick = (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || link.target || !link.hash) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname !== path || url.search !== location.search) return;
    link.target = "_self";
    setTimeout(() => link.removeAttribute("target")); // the browser has followed it by then
  };
  // Listeners at the window run in the order they were added, so this one, added in the head,
  // stops Material's and all others; the page's own (quiz-course.js, which follows a ?seed=
  // in the address) hear of it as quizkit:popstate.
  const onPopState = (event) => {
    if (location.pathname !== path) return;
    event.stopImmediatePropagation();
    dispatchEvent(new CustomEvent("quizkit:popstate"));
    // An entry Material had scrolled itself, before a reload, is not restored by the browser:
    // put it where Material would have (its offset in the entry's state, or the anchor).
    if (history.scrollRestoration !== "manual") return;
    const y = event.state && Number.isFinite(event.state.y) ? event.state.y : null;
    const id = location.hash.slice(1);
    let target = id ? document.getElementById(id) : null;
    try {
      target ??= id ? document.getElementById(decodeURIComponent(id)) : null;
    } catch {} // a malformed %-escape names no element
    if (y === null && target) target.scrollIntoView();
    else scrollTo(0, y ?? 0);
  };
  const stop = () => {
    removeEventListener("click", onClick, true);
    removeEventListener("popstate", onPopState, true);
  };
  addEventListener("click", onClick, true);
  addEventListener("popstate", onPopState, true);
  // Material's script, at the end of the body, has defined location$ by then.
  document.addEventListener("DOMContentLoaded", () => {
    const location$ = window.location$;
    if (!location$ || typeof location$.subscribe !== "function") return stop(); // not Material
    const first = location$.subscribe(() => {
      stop();
      setTimeout(() => first.unsubscribe());
    });
  });
})();

// Where the reader was, on Back, Forward and reload. page.css lets the browser skip the blocks
// of a long page far from the screen (content-visibility), giving them estimated heights until
// drawn, and only where this script runs (the root's class qk-positions): a position restored
// as a pixel offset would be elsewhere in the text (on the softmax lesson up to 2,600 px away).
// - A page loaded in full by reload or Back, or at an anchor: every block is drawn
//   (qk-restoring) until the browser has restored its offset, after the load event.
// - A page Material's instant navigation swaps in again on Back or Forward (or scrolls back
//   within): Material scrolls to the offset it recorded (history.state.y). With each offset it
//   records, the first block of text beginning on the screen is remembered; once Material has
//   scrolled, with every block drawn, that block is put back where it was and held there while
//   the questions near it start.
(() => {
  const root = document.documentElement;
  root.classList.add("qk-positions");
  const RESTORING = "qk-restoring";
  const BLOCKS = ".md-content__inner > *";
  const frames = (n, then) => (n ? requestAnimationFrame(() => frames(n - 1, then)) : then());
  // Ends the drawing of every block two frames on, unless it has been asked for again since (a
  // Back right after a link: the end asked for the page left came in the middle of putting the
  // reader back, 1,323 px off on a phone). The blocks then within a screen of the reader's
  // stay drawn (qk-kept-drawn): a block the browser may skip again is drawn skipped for a
  // frame, its content blank, even on the screen (the chain-rule lesson opened at its Summary:
  // the list under it blinked, a layout shift of 0.36).
  const KEPT = "qk-kept-drawn";
  let period = 0; // counts the times every block was drawn: an end asked for an earlier one is void
  const drawWhole = () => {
    period += 1;
    root.classList.add(RESTORING);
  };
  const endRestoring = () => {
    const asked = period;
    frames(2, () => {
      if (asked !== period || !root.classList.contains(RESTORING)) return;
      const blocks = document.querySelectorAll(`${BLOCKS}, .md-typeset .qk-item`);
      const near = [...blocks].filter((el) => {
        const box = el.getBoundingClientRect();
        return box.bottom > -innerHeight && box.top < 2 * innerHeight;
      });
      for (const el of near) el.classList.add(KEPT); // every box read before any class written
      root.classList.remove(RESTORING);
    });
  };
  const arrival = performance.getEntriesByType?.("navigation")[0]?.type;
  // Opened at an anchor, the blocks around it would be drawn first at their estimates and take
  // their own heights a frame later, moving the text under the reader's eyes.
  if (arrival === "reload" || arrival === "back_forward" || location.hash) {
    drawWhole();
    // The browser has restored the offset, or scrolled to the anchor, by the load event; drawn
    // once, a block keeps its height.
    addEventListener("load", endRestoring, { once: true });
  }

  // Not a question or a runnable cell: those not started yet on the page swapped in have
  // another height (and so would what follows them) until they start.
  const CHANGING = ".qk-item, .qk-cell, .qk-bank";
  const steady = (block) => !block.matches(CHANGING) && !block.querySelector(CHANGING);
  const seen = new Map(); // "path?search|offset" -> [index of the block, its top on the screen]
  const here = () => location.pathname + location.search; // the page the address names
  let shown = here(); // the page on screen
  // Whether Material swaps a page in for this address: only when the path changes (a search
  // result on the page on screen adds ?h=, and stays on it).
  const swaps = (url) => url.pathname !== new URL(shown, location.href).pathname;
  let leaving = false; // between a popstate to another page and Material's swap
  let toAnchor = false; // between a link to another page's heading and Material's swap
  const key = (page, y) => `${page}|${y}`;
  const remember = () => {
    if (leaving) return; // the page on screen is not the one the address names
    const blocks = document.querySelectorAll(BLOCKS);
    let place = null;
    for (let i = 0; i < blocks.length; i += 1) {
      const box = blocks[i].getBoundingClientRect();
      if (box.bottom <= 0) continue;
      if (box.top >= innerHeight) break;
      const found = box.top >= 0 && steady(blocks[i]);
      if (!place || found) place = [i, box.top];
      if (found) break;
    }
    if (!place) return;
    // The offset as Material records it (its viewport offset: scrollY, never negative).
    const at = key(shown, Math.max(0, scrollY));
    seen.delete(at); // the newest last, the oldest dropped first
    seen.set(at, place);
    if (seen.size > 500) seen.delete(seen.keys().next().value);
  };
  let timer = 0;
  addEventListener(
    "scroll",
    () => {
      clearTimeout(timer);
      timer = setTimeout(remember, 100);
    },
    { passive: true },
  );
  // A link followed within 100 ms of a scroll: Material records the offset at the click.
  addEventListener("click", remember, true);

  // The questions and cells near the screen start in the next frames and take their height,
  // which moves what follows them: the block is held in place until none above it within two
  // screens is still to start and it has not moved for a moment (3 s at most), or until the
  // reader moves or goes elsewhere (a key, a tap, the wheel, the focus moved by a screen
  // reader, another Back, a jump). Not on a change of the selection: swapping the page in
  // makes one.
  const WAITING = ".qk-item:not([data-qk-ready]), [data-qk-cell]:not([data-qk-ready])";
  const SETTLED_MS = 600;
  const HOLD_MAX_MS = 3000;
  const ACTS = ["wheel", "touchstart", "keydown", "pointerdown", "focusin", "popstate", "hashchange"];
  const pendingAbove = (top) =>
    [...document.querySelectorAll(WAITING)].some((el) => {
      const box = el.getBoundingClientRect();
      return box.top < top && box.bottom > -2 * innerHeight;
    });
  let release = () => {};
  const hold = (block, top) => {
    release();
    const start = performance.now();
    let moved = start;
    let held = true;
    release = () => {
      held = false;
      for (const type of ACTS) removeEventListener(type, release, true);
    };
    for (const type of ACTS) addEventListener(type, release, { capture: true, passive: true });
    let last = scrollY;
    const step = () => {
      if (!held || !block.isConnected) return;
      // A jump of more than a screen since the last frame is the reader's (find-in-page, the
      // scroll bar): a question taking its height moves the page less.
      if (Math.abs(scrollY - last) > innerHeight) return release();
      const now = performance.now();
      const off = block.getBoundingClientRect().top - top;
      if (Math.abs(off) >= 1) {
        scrollBy(0, off);
        moved = now;
      }
      last = scrollY;
      const settling = pendingAbove(top) || now - moved < SETTLED_MS;
      if (settling && now - start < HOLD_MAX_MS) requestAnimationFrame(step);
      else release();
    };
    step();
  };
  /** Put the block remembered with the offset Material has just restored back in place. */
  const restore = () => {
    const y = history.state && history.state.y;
    const place = Number.isFinite(y) ? seen.get(key(shown, y)) : undefined;
    const block = place && document.querySelectorAll(BLOCKS)[place[0]];
    if (block) hold(block, place[1]);
  };

  addEventListener(
    "popstate",
    (event) => {
      const y = event.state && event.state.y;
      if (!Number.isFinite(y)) return; // an entry Material did not record (an anchor's)
      toAnchor = false;
      if (swaps(location)) {
        // Material fetches and swaps in that page, and scrolls: see document$ below.
        leaving = true;
        drawWhole();
      } else if (window.document$) {
        // Within the page, once Material has navigated: it scrolls as this event goes on.
        requestAnimationFrame(restore);
      }
    },
    true,
  );
  // A link to a heading of another page that instant navigation follows (Material takes the
  // click: default prevented by the time it reaches the window): that page is drawn whole until
  // Material has scrolled to the heading, as a page opened in full at an anchor is.
  addEventListener("click", (event) => {
    if (!event.defaultPrevented || !window.document$ || !(event.target instanceof Element)) return;
    const link = event.target.closest("a[href]");
    const url = link && new URL(link.href, location.href);
    // Against the page on screen: Material has already put the link's address in the history.
    if (!url || !url.hash || url.origin !== location.origin || !swaps(url)) return;
    toAnchor = true;
    drawWhole();
  });
  document.addEventListener("DOMContentLoaded", () => {
    const document$ = window.document$;
    if (!document$ || typeof document$.subscribe !== "function") return; // not Material
    // Material scrolls before document$ emits the page it swapped in.
    document$.subscribe(() => {
      shown = here();
      leaving = false;
      if (!root.classList.contains(RESTORING)) return;
      if (document.readyState === "complete") {
        if (!toAnchor) restore(); // a Back or Forward: put the block the reader was at back
        toAnchor = false;
        endRestoring();
      } else {
        // The page's first, or one swapped in before the load event: what was drawn by then
        // is in place once the browser has scrolled (and fonts are in).
        addEventListener("load", () => ((toAnchor = false), endRestoring()), { once: true });
      }
    });
  });
})();
