// peerlab's only script, a progressive enhancement: every page works without it.
// A <select data-autosubmit> saves its form as soon as it changes (the form also has a
// Save button inside <noscript> for browsers without JavaScript).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});

// Live threads: new and changed posts appear without reloading. The server sends only ids;
// each post is fetched as HTML through the same authorisation as the page.
(() => {
  const thread = document.getElementById("thread");
  if (!thread || !("EventSource" in window)) return;
  const list = document.getElementById("posts");
  const status = document.getElementById("live-status");
  const source = new EventSource(`/threads/${thread.dataset.thread}/events`);
  source.addEventListener("open", () => { if (status) status.hidden = false; });
  source.addEventListener("post", async (event) => {
    const { post } = JSON.parse(event.data);
    const response = await fetch(`/posts/${post}/fragment`, { credentials: "same-origin" });
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const fresh = template.content.firstElementChild;
    if (!fresh) return;
    const old = document.getElementById(`post-${post}`);
    if (old) old.replaceWith(fresh); else list.appendChild(fresh);
  });
  for (const name of ["thread", "reload"]) source.addEventListener(name, () => window.location.reload());
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

// A space page: new threads and threads with new activity move to the top of the list.
(() => {
  const list = document.getElementById("threads");
  if (!list || !("EventSource" in window)) return;
  const source = new EventSource(`/spaces/${list.dataset.space}/events`);
  source.addEventListener("item", async (event) => {
    const { thread } = JSON.parse(event.data);
    const response = await fetch(`/threads/${thread}/item`, { credentials: "same-origin" });
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const fresh = template.content.firstElementChild;
    if (!fresh) return;
    document.getElementById(`thread-${thread}`)?.remove();
    document.getElementById("no-threads")?.remove();
    list.prepend(fresh);
  });
  source.addEventListener("reload", () => window.location.reload());
})();
