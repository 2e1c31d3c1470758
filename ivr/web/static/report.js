// The monthly report's print button (no inline handlers: the pages run under a strict CSP).
document.getElementById("print")?.addEventListener("click", () => window.print());
