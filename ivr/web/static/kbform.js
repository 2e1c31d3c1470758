// The knowledge form: fact picker and "listen" (no inline handlers: the pages run under a strict CSP).
(() => {
  const form = document.getElementById("kb-form");
  if (!form) return;
  let target = document.querySelector("textarea.answer");
  form.querySelectorAll("textarea.answer").forEach((t) => t.addEventListener("focus", () => { target = t; }));
  document.getElementById("insert-fact").addEventListener("click", () => {
    const name = document.getElementById("fact-picker").value;
    if (!target || !name) return;
    const at = target.selectionStart ?? target.value.length;
    const text = "{{" + name + "}}";
    target.value = target.value.slice(0, at) + text + target.value.slice(target.selectionEnd ?? at);
    target.focus();
    target.selectionStart = target.selectionEnd = at + text.length;
  });
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const player = document.getElementById("player");
  form.querySelectorAll("button.listen").forEach((b) => b.addEventListener("click", async () => {
    const data = new FormData(form);
    data.set("lang", b.dataset.lang);
    b.disabled = true;
    try {
      const r = await fetch(`/admin/kb/${form.dataset.name}/form/listen`,
        { method: "POST", body: data, headers: { "X-CSRF-Token": csrf } });
      if (!r.ok) { player.dataset.error = await r.text(); return; }
      player.src = URL.createObjectURL(await r.blob());
      player.hidden = false;
      player.dataset.ready = "1";
      player.play().catch(() => {});
    } finally { b.disabled = false; }
  }));
})();
