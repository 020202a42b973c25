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
