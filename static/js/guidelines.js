// The guidelines' side sheet (templates/projects/guidelines.html): the link opens them in a
// modal dialog over the right of the page, loaded with htmx (the server answers the sheet
// and clears the "updated" badge). Esc or Close shuts it and focus goes back to the link.
// Without this module, or for a new tab, the link opens the guidelines' own page.

const link = document.getElementById("guidelines-link");
const sheet = document.getElementById("guidelines-sheet");
const body = document.getElementById("guidelines-sheet-body");

if (link && sheet && body) {
  link.setAttribute("aria-haspopup", "dialog");
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    body.textContent = "Loading…";
    sheet.showModal();
    htmx.ajax("GET", link.href, { target: body, swap: "innerHTML" });
  });
  sheet.addEventListener("close", () => link.focus());
  // While the sheet is open its keys are its own: the page's shortcuts behind it (j, k, a,
  // l, Esc…) must not act on what cannot be seen. Esc still closes it (the browser does).
  window.addEventListener("keydown", (event) => {
    if (sheet.open) event.stopPropagation();
  }, true);
  // A click on the dimmed page beside the sheet closes it too.
  sheet.addEventListener("click", (event) => {
    if (event.target === sheet) sheet.close();
  });
}
