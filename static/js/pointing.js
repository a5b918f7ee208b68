// Linking by pointing. With an attribution or hedge open in the panel, "Link to a claim"
// (or l) marks the spans it may link to (the ids in #pointing-form's data-targets, written
// by the server); a click on one posts the form, Esc leaves. The listeners run in the
// capture phase so that, while pointing, a click on a highlight links it instead of
// opening it (workspace.js) and Esc leaves the mode without closing the panel. Also: the
// type-ahead filter of the fallback list, and the suggested-time chips that fill the
// claimed-time field.

const workspace = document.getElementById("workspace");
let pointing = false;

const pointingForm = () => document.getElementById("pointing-form");
const targetIds = () => new Set((pointingForm()?.dataset.targets || "").split(" ").filter(Boolean));

function typing(target) {
  return target.closest?.("input, textarea, select, [contenteditable]:not(#article-text)");
}

function setPointing(on) {
  pointing = on && Boolean(pointingForm());
  const ids = targetIds();
  workspace?.classList.toggle("pointing", pointing);
  for (const mark of document.querySelectorAll("#article-text mark[data-id]")) {
    mark.classList.toggle("is-link-target", pointing && ids.has(mark.dataset.id));
  }
  document.getElementById("point-link")?.setAttribute("aria-pressed", String(pointing));
  const status = document.getElementById("pointing-status");
  if (!status) return;
  status.dataset.text ??= status.textContent;
  status.textContent = status.dataset.text;
  status.hidden = !pointing;
}

function say(message) {
  const status = document.getElementById("pointing-status");
  if (status) status.textContent = message;
}

// The innermost highlight under the click that may be linked: spans nest, and a hedge
// inside a claim is clicked on the claim's text too.
function targetAt(element) {
  const ids = targetIds();
  let mark = element.closest("#article-text mark[data-id]");
  while (mark && !ids.has(mark.dataset.id)) {
    mark = mark.parentElement.closest("#article-text mark[data-id]");
  }
  return mark;
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-action=point-link]")) return setPointing(!pointing);
  const chip = event.target.closest("[data-claimed-fill]");
  if (chip) return fillClaimed(chip.dataset.claimedFill);
  if (!pointing || !event.target.closest("#article-text")) return;
  if (!window.getSelection().isCollapsed) return; // selecting text, not pointing
  event.stopPropagation();
  const mark = targetAt(event.target);
  if (!mark) return say("That highlight cannot be linked from here: click a marked one. Esc cancels.");
  const form = pointingForm();
  setPointing(false);
  form.elements.to.value = mark.dataset.id;
  form.requestSubmit();
}, true);

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && pointing) {
    event.stopPropagation();
    event.preventDefault();
    return setPointing(false);
  }
  if (event.key !== "l" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target) || !pointingForm()) return;
  event.stopPropagation();
  event.preventDefault();
  setPointing(true);
}, true);

// --- the fallback list: type to filter ------------------------------------------------

function filterTargets(input) {
  const words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const select = document.getElementById("link-to");
  let first = null;
  for (const option of select.options) {
    const text = option.textContent.toLocaleLowerCase();
    option.hidden = !words.every((word) => text.includes(word));
    if (!option.hidden && !first) first = option;
  }
  if (first && select.selectedOptions[0]?.hidden !== false) first.selected = true;
}

document.addEventListener("input", (event) => {
  if (event.target.id === "link-filter") filterTargets(event.target);
});

// --- the claimed-time chips -------------------------------------------------------------

function fillClaimed(value) {
  const field = document.getElementById("id_claimed_text");
  if (!field) return;
  field.value = value;
  field.focus();
}

// The filter is for long lists, and needs this script: shown only then.
function prepare() {
  const filter = document.getElementById("link-filter");
  const select = document.getElementById("link-to");
  if (filter && select) filter.hidden = select.options.length < 6;
  setPointing(pointing);
}

document.body.addEventListener("htmx:afterSettle", prepare);
prepare();
