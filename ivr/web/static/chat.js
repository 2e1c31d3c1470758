// Web chat widget: POST /api/chat, show the answer; offer a callback form when the bot cannot help.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const box = document.getElementById("chat");
  const messages = document.getElementById("messages");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-text");
  const cbForm = document.getElementById("callback-form");
  const cbStatus = document.getElementById("callback-status");
  const confirmForm = document.getElementById("confirm-form");
  const confirmStatus = document.getElementById("confirm-status");
  let confirmToken = "";
  const toggle = document.getElementById("lang-toggle");
  let lastQuestion = "";

  function lang() { return box.dataset.lang; }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }
  function add(kind, text, link) {
    const div = document.createElement("div");
    div.className = "msg " + kind;
    div.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link; a.textContent = link; a.rel = "noopener"; a.target = "_blank";
      div.appendChild(document.createElement("br")); div.appendChild(a);
    }
    messages.appendChild(div);
    messages.scrollTop = messages.scrollHeight;
    return div;
  }
  toggle.addEventListener("click", function () {
    box.dataset.lang = lang() === "fr" ? "en" : "fr";
    toggle.textContent = lang() === "fr" ? "English" : "Français";
    input.placeholder = lang() === "fr" ? "Votre question…" : "Your question…";
  });
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    lastQuestion = text;
    add("me", text);
    input.value = "";
    const res = await post("/api/chat", { text: text, lang: lang() });
    if (!res.ok) { add("bot error", "Erreur, réessayez."); return; }
    const r = await res.json();
    const div = add("bot " + r.decision, r.answer, r.link);
    div.dataset.decision = r.decision;
    if (r.intent) div.dataset.intent = r.intent;
    if (r.offer_callback) {
      cbForm.hidden = false;
      if (r.service) cbForm.service.value = r.service;
    }
  });
  cbForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const res = await post("/api/chat/callback", {
      name: cbForm.name.value, phone: cbForm.phone.value, service: cbForm.service.value,
      lang: lang(), question: lastQuestion,
    });
    const r = await res.json();
    cbStatus.textContent = r.ok ? r.message : r.error;
    cbStatus.className = r.ok ? "ok" : "error";
    if (r.ok) {
      // Nothing is scheduled yet: the code sent by SMS must come back first.
      cbForm.querySelector("button").disabled = true;
      confirmToken = r.token;
      confirmForm.hidden = false;
      confirmForm.code.focus();
    }
  });
  confirmForm.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const res = await post("/api/chat/callback/confirm", {
      token: confirmToken, code: confirmForm.code.value.trim(), lang: lang(),
    });
    const r = await res.json();
    confirmStatus.textContent = r.ok ? r.message : r.error;
    confirmStatus.className = r.ok ? "ok" : "error";
    if (r.ok) confirmForm.querySelector("button").disabled = true;
  });
})();
