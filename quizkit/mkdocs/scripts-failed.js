// Shows the questions' plain forms again when our scripts fail before quiz.js has run. Inlined
// in every page's head (pages.head_scripts), so it is listening before any script of ours loads.
//
// Once Material's script has run (the root's class js), quiz.css keeps an unstarted question's
// Check row in place unseen and hides its no-JavaScript answer box and hints, which its widget
// replaces when it starts. If a script of ours then fails to load (a dropped connection, a
// file missing from the site) or to run (a browser too old for its syntax), no question would
// ever start, and the page would show neither the widgets nor the answers: the root gets the
// class qk-failed, and quiz.css shows the plain forms as without JavaScript. That is for the
// widgets' modules (quiz.js, quiz-*.js, dom.js; quiz.js adds the class itself when a kind's
// module, which it imports as it runs, fails): the Python runtime's failing leaves questions
// working. quiz.js sets data-qk-widgets once it runs (and removes the class), and later errors
// are caught per question.
(() => {
  const root = document.documentElement;
  const onError = (event) => {
    if ("qkWidgets" in root.dataset) {
      removeEventListener("error", onError, true);
      return;
    }
    const source = event.target instanceof HTMLScriptElement ? event.target.src : event.filename;
    if (typeof source === "string" && /\/assets\/quizkit\/(quiz[\w-]*|dom)\.js$/.test(source)) {
      root.classList.add("qk-failed");
    }
  };
  addEventListener("error", onError, true);
})();
