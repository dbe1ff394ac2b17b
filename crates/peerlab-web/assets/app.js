// peerlab's only script, a progressive enhancement: every page works without it.
// A <select data-autosubmit> saves its form as soon as it changes (the form also has a
// Save button inside <noscript> for browsers without JavaScript).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});

// Live lists: one loader for every page that updates itself, driven by markup alone. A list
// element opts in with data attributes:
//   data-live-events="/threads/12/events"   the server-sent event stream to listen to;
//   data-live-on="post"                     event names whose data names an element to fetch;
//   data-live-fragment="/posts/{post}/fragment"
//                                           the URL of that element's HTML, {name} being filled
//                                           from the event's JSON data ({"post": 7});
//   data-live-id="post-{post}"              the id the element has in the page;
//   data-live-place="append" | "prepend"    "append" replaces the element where it is or adds it
//                                           at the end; "prepend" moves it to the top;
//   data-live-reload="thread reload"        event names that reload the whole page;
//   data-live-status="live-status"          the id of an element shown once the stream is open;
//   data-live-clear="no-threads"            the id of an empty-state note removed on arrival.
// The server sends only ids: each element is fetched as HTML through the same authorisation as
// the page, so the stream cannot leak what a person may not read. Lists on one page that
// listen to the same stream share one connection.
(() => {
  if (!("EventSource" in window)) return;
  const sources = new Map();
  const sourceFor = (url) => {
    if (!sources.has(url)) sources.set(url, new EventSource(url));
    return sources.get(url);
  };
  const fill = (template, data) => {
    let complete = true;
    const out = template.replace(/\{(\w+)\}/g, (_, name) => {
      if (data[name] === undefined || data[name] === null) complete = false;
      return encodeURIComponent(String(data[name]));
    });
    return complete ? out : null;
  };
  const words = (value) => (value || "").split(/\s+/).filter(Boolean);

  for (const list of document.querySelectorAll("[data-live-events]")) {
    const source = sourceFor(list.dataset.liveEvents);
    const status = list.dataset.liveStatus && document.getElementById(list.dataset.liveStatus);
    if (status) source.addEventListener("open", () => { status.hidden = false; });
    for (const name of words(list.dataset.liveReload)) {
      source.addEventListener(name, () => window.location.reload());
    }
    const fragment = list.dataset.liveFragment;
    const idTemplate = list.dataset.liveId;
    if (!fragment || !idTemplate) continue;
    const prepend = list.dataset.livePlace === "prepend";
    for (const name of words(list.dataset.liveOn)) {
      source.addEventListener(name, async (event) => {
        const data = JSON.parse(event.data);
        const url = fill(fragment, data);
        const id = fill(idTemplate, data);
        if (!url || !id) return;
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        const template = document.createElement("template");
        template.innerHTML = (await response.text()).trim();
        const fresh = template.content.firstElementChild;
        if (!fresh) return;
        if (list.dataset.liveClear) document.getElementById(list.dataset.liveClear)?.remove();
        const old = document.getElementById(id);
        if (prepend) {
          old?.remove();
          list.prepend(fresh);
        } else if (old) {
          old.replaceWith(fresh);
        } else {
          list.appendChild(fresh);
        }
      });
    }
  }
})();

// The thread form: show the reflection question for prompts and the skills for questions.
(() => {
  const kind = document.getElementById("thread-kind");
  if (!kind) return;
  const sync = () => {
    for (const field of document.querySelectorAll("[data-for-kind]")) {
      field.hidden = field.dataset.forKind !== kind.value && !field.querySelector("input").value;
    }
  };
  kind.addEventListener("change", sync);
  sync();
})();

// The question coach: as a facilitator types a reflection question, say whether it is
// closed (answerable with yes or no) and offer an open rewording.
(() => {
  const input = document.querySelector("input[data-coach]");
  const out = document.getElementById("coach-live");
  if (!input || !out) return;
  let timer;
  const check = async () => {
    const q = input.value.trim();
    out.replaceChildren();
    out.className = "coach-live small";
    if (q.length < 3) return;
    const response = await fetch(`/coach?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
    if (!response.ok || input.value.trim() !== q) return;
    const advice = await response.json();
    if (advice.kind === "closed") {
      out.className = "coach-live small closed";
      const head = document.createElement("strong");
      head.textContent = "A closed question. ";
      out.append(head, advice.reason || "");
      if (advice.suggestion) {
        const p = document.createElement("p");
        const q2 = document.createElement("q");
        q2.className = "suggestion";
        q2.textContent = advice.suggestion;
        const use = document.createElement("button");
        use.type = "button";
        use.className = "secondary small";
        use.textContent = "Use this";
        use.addEventListener("click", () => { input.value = advice.suggestion; check(); });
        p.append("Try: ", q2, " ", use);
        out.append(p);
      }
    } else {
      out.className = "coach-live small open";
      out.textContent = "✓ An open question: people can answer it in their own words.";
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 300); });
  if (input.value.trim()) check();
})();
