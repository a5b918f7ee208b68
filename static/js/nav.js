// The top bar's disclosure button: on a phone the account links fold behind "Menu" (CSS
// shows the button only there). Without this module nothing is folded; the links wrap.

const bar = document.querySelector(".topbar");
const button = document.getElementById("menu-toggle");

function setOpen(open) {
  button.setAttribute("aria-expanded", String(open));
  bar.classList.toggle("menu-open", open);
}

if (bar && button) {
  bar.classList.add("menu-collapsible");
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !bar.classList.contains("menu-open")) return;
    setOpen(false);
    button.focus();
  });
  document.addEventListener("click", (event) => {
    if (!bar.contains(event.target)) setOpen(false);
  });
}
