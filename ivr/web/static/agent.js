// Agent console: JsSIP softphone registered as web-<agent> on Asterisk's WebSocket transport, queue
// log in/out over the web API (AMI), the caller's file on each incoming call, live assist over SSE.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  let ua = null, session = null, assist = null, currentCallId = null, held = false;

  function api(url, body) {
    const opts = { credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      opts.method = "POST"; opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then((r) => r.json().then((j) => ({ ok: r.ok, data: j })));
  }
  function setCallState(text) { $("call-state").textContent = text; }
  function buttons(state) {
    $("btn-answer").disabled = state !== "ringing";
    $("btn-hangup").disabled = state === "idle";
    $("btn-hold").disabled = state !== "talking";
    $("btn-transfer").disabled = state !== "talking";
  }

  async function refreshQueues() {
    const r = await api("/api/agent/queues");
    if (!r.ok) return;
    for (const q of r.data.queues) {
      const li = document.querySelector('#queue-list li[data-queue="' + q.queue + '"] .qstate');
      if (li) li.textContent = q.logged_in ? (q.paused ? "en pause" : "connecté") : "déconnecté";
    }
  }
  async function queueAction(action) {
    const r = await api("/api/agent/queues", { action: action });
    if (!r.ok || !r.data.ok) alert((r.data.errors || [r.data.error]).join("\n"));
    refreshQueues();
  }

  function showCall(data) {
    $("caller-card").hidden = false;
    $("caller-summary").textContent = data.summary || "—";
    const tr = $("caller-transcript"); tr.innerHTML = "";
    for (const t of data.transcript || []) {
      const p = document.createElement("div"); p.textContent = t.speaker + " : " + t.text; tr.appendChild(p);
    }
    const prev = $("caller-previous"); prev.innerHTML = "";
    for (const p of data.previous || []) {
      const li = document.createElement("li");
      li.textContent = p.started_at.slice(0, 16).replace("T", " ") + " — " + (p.summary || p.intents.join(", ") || "?") +
        " (" + (p.outcome || "en cours") + ")";
      prev.appendChild(li);
    }
    if (!(data.previous || []).length) prev.innerHTML = "<li>Aucune.</li>";
  }

  function startAssist(callId) {
    if (assist) assist.close();
    $("assist-card").hidden = false;
    $("assist-transcript").innerHTML = ""; $("assist-suggestion").innerHTML = "";
    assist = new EventSource("/agent/stream?call_id=" + encodeURIComponent(callId));
    const line = (who) => (ev) => {
      const d = JSON.parse(ev.data); const p = document.createElement("div");
      p.textContent = who + " : " + (d.text || ""); $("assist-transcript").appendChild(p);
    };
    assist.addEventListener("agent_transcript", line("Conversation"));
    assist.addEventListener("transcript", line("Appelant"));
    assist.addEventListener("suggestion", (ev) => {
      const d = JSON.parse(ev.data); const box = $("assist-suggestion"); box.innerHTML = "";
      const h = document.createElement("p"); h.className = "suggestion";
      h.textContent = "Réponse suggérée (" + (d.intent || "?") + ") : " + (d.text || ""); box.appendChild(h);
      if (d.link) {
        const b = document.createElement("button"); b.type = "button"; b.textContent = "Envoyer le lien par SMS";
        b.addEventListener("click", async () => {
          const r = await api("/api/agent/sms", { call_id: callId, template: "link", intent: d.intent });
          b.textContent = r.ok ? "SMS envoyé" : ("Erreur : " + (r.data.error || "?")); b.disabled = r.ok;
        });
        box.appendChild(b);
      }
    });
  }

  async function lookupCall(callId, number) {
    let r = null;
    if (callId) r = await api("/api/agent/call/" + encodeURIComponent(callId));
    if ((!r || !r.ok) && number) r = await api("/api/agent/lookup?number=" + encodeURIComponent(number));
    if (r && r.ok) { currentCallId = r.data.call_id; showCall(r.data); startAssist(r.data.call_id); }
  }

  function onSession(e) {
    if (e.originator !== "remote") return;
    if (session) { e.session.terminate({ status_code: 486 }); return; }
    session = e.session;
    const req = e.request;
    const callId = req.getHeader("X-IVR-Call-Id") || "";
    const who = session.remote_identity.display_name || session.remote_identity.uri.user;
    $("caller-id").textContent = who;
    setCallState("Appel entrant : " + who); buttons("ringing");
    lookupCall(callId, session.remote_identity.uri.user);
    session.on("peerconnection", (pe) => {
      pe.peerconnection.addEventListener("track", (t) => { $("remote-audio").srcObject = t.streams[0]; });
    });
    session.on("accepted", () => { setCallState("En communication avec " + who); buttons("talking"); });
    session.on("confirmed", () => { buttons("talking"); });
    const end = () => {
      session = null; held = false; setCallState("Aucun appel."); buttons("idle");
      if (assist) { assist.close(); assist = null; }
    };
    session.on("ended", end); session.on("failed", end);
  }

  async function register() {
    const r = await api("/api/agent/sip");
    if (!r.ok) { $("reg-state").textContent = r.data.error || "erreur"; return; }
    const c = r.data;
    const socket = new JsSIP.WebSocketInterface(c.ws);
    ua = new JsSIP.UA({
      sockets: [socket], uri: c.uri, password: c.password, authorization_user: c.authorization_user,
      display_name: c.display_name, register: true, session_timers: false,
    });
    ua.on("connecting", () => { $("reg-state").textContent = "connexion…"; });
    ua.on("registered", () => { $("reg-state").textContent = "enregistré"; document.body.dataset.sip = "registered"; });
    ua.on("unregistered", () => { $("reg-state").textContent = "non enregistré"; document.body.dataset.sip = ""; });
    ua.on("registrationFailed", (e) => { $("reg-state").textContent = "échec : " + e.cause; });
    ua.on("newRTCSession", onSession);
    ua.start();
  }

  $("btn-register").addEventListener("click", register);
  $("btn-answer").addEventListener("click", () => {
    if (session) session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
  });
  $("btn-hangup").addEventListener("click", () => { if (session) session.terminate(); });
  $("btn-hold").addEventListener("click", () => {
    if (!session) return;
    if (held) { session.unhold(); $("btn-hold").textContent = "Mettre en attente"; }
    else { session.hold(); $("btn-hold").textContent = "Reprendre l'appel"; }
    held = !held;
  });
  $("transfer-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const to = $("transfer-to").value.trim();
    if (session && to) session.refer(to.includes("@") ? "sip:" + to : "sip:" + to + "@" + ua.configuration.uri.host);
  });
  $("btn-qlogin").addEventListener("click", () => queueAction("login"));
  $("btn-qlogout").addEventListener("click", () => queueAction("logout"));
  $("btn-qpause").addEventListener("click", () => queueAction("pause"));
  $("btn-qresume").addEventListener("click", () => queueAction("resume"));
  buttons("idle");
  refreshQueues();
})();
