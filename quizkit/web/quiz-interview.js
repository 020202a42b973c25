// Interview question: answer aloud, reveal a strong answer, then work through follow-ups.
import { mountReveal } from "./quiz-short-answer.js";
import { make } from "./dom.js";
import { trusted } from "./quiz-ui.js";

function followUps(payload) {
  const box = make("div", { class: "qk-follow-ups" });
  box.append(make("p", { class: "qk-explanation-title" }, "Follow-up questions"));
  for (const follow of payload.followUps) {
    const details = make("details", { class: "qk-follow-up" });
    const summary = make("summary");
    summary.append(trusted(follow.question, "qk-follow-question"));
    details.append(summary, trusted(follow.answer));
    box.append(details);
  }
  return [box];
}

export function mount(section, payload, item) {
  return mountReveal(section, payload, item, "A strong answer", followUps);
}
