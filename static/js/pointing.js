// Linking by pointing. With an attribution or hedge open in the panel, "Link to a claim"
// (or l) marks the spans it may link to (the ids in #pointing-form's data-targets, written
// by the server); a click on one posts the form (or j / k to step to one, Enter), Esc
// leaves. The listeners run in the
// capture phase so that, while pointing, a click on a highlight links it instead of
// opening it (workspace.js) and Esc leaves the mode without closing the panel. Also: the
// suggested-time chips that fill the claimed-time field, and keeping the choice in the
// fallback list while its filter (htmx: the server filters every target) answers.

const workspace = document.getElementById("workspace");
let pointing = false;
let candidate = null; // the id j/k moved to, which Enter links (the keyboard's pointing)

const pointingForm = () => document.getElementById("pointing-form");
const targetIds = () => new Set((pointingForm()?.dataset.targets || "").split(" ").filter(Boolean));

function typing(target) {
  return target.closest?.("input, textarea, select, [contenteditable]:not(#article-text)");
}

function setPointing(on) {
  const was = pointing;
  pointing = on && Boolean(pointingForm());
  const ids = targetIds();
  // Another swap (a poll, a save) keeps the highlight stepped to while it can be linked.
  if (pointing !== was || !ids.has(candidate)) candidate = null;
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
  showCandidate();
}

// The keyboard's pointing: j / k step through the linkable highlights in text order,
// starting after the annotation open in the panel; Enter links the one stepped to.
function linkable() {
  const ids = targetIds(), seen = new Set();
  return [...document.querySelectorAll("#article-text mark[data-id]")].filter(
    (mark) => ids.has(mark.dataset.id) && !seen.has(mark.dataset.id) && seen.add(mark.dataset.id));
}

function step(direction) {
  const marks = linkable();
  if (!marks.length) return;
  let index = marks.findIndex((mark) => mark.dataset.id === candidate);
  if (index === -1) {
    const open = document.querySelector("#detail [data-selected]")?.dataset.selected;
    const here = document.querySelector(`#article-text mark[data-id="${open}"]`);
    const after = marks.findIndex((mark) => here?.compareDocumentPosition(mark) & Node.DOCUMENT_POSITION_FOLLOWING);
    index = direction > 0 ? (after === -1 ? 0 : after) : (after === -1 ? marks.length : after) - 1;
  } else {
    index += direction;
  }
  candidate = marks[(index + marks.length) % marks.length].dataset.id;
  showCandidate();
}

function showCandidate() {
  for (const mark of document.querySelectorAll("#article-text mark.is-link-candidate")) {
    mark.classList.remove("is-link-candidate");
  }
  if (!pointing || !candidate) return;
  const pieces = [...document.querySelectorAll(`#article-text mark[data-id="${candidate}"]`)];
  for (const mark of pieces) mark.classList.add("is-link-candidate");
  pieces[0]?.scrollIntoView({ block: "center" });
  const quote = pieces.map((mark) => mark.textContent).join("").slice(0, 60);
  say(`Enter links “${quote}”; j / k for another, Esc cancels.`);
}

function link(id) {
  const form = pointingForm();
  setPointing(false);
  form.elements.to.value = id;
  form.requestSubmit();
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
  link(mark.dataset.id);
}, true);

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && pointing) {
    event.stopPropagation();
    event.preventDefault();
    return setPointing(false);
  }
  const modified = event.ctrlKey || event.metaKey || event.altKey;
  if (pointing && !modified && !typing(event.target) && ["j", "k", "Enter"].includes(event.key)) {
    event.stopPropagation();
    event.preventDefault();
    if (event.key === "Enter") return candidate ? link(candidate) : step(1);
    return step(event.key === "j" ? 1 : -1);
  }
  if (event.key !== "l" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target) || !pointingForm()) return;
  event.stopPropagation();
  event.preventDefault();
  setPointing(true);
}, true);

// --- the fallback list: its filter (htmx) answers with new options; a choice made while
// the answer was on its way stays chosen if that target is still listed.

document.body.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target.id === "link-to") event.detail.target.dataset.chosen = event.detail.target.value;
});
document.body.addEventListener("htmx:afterSwap", (event) => {
  const select = event.detail.target;
  if (select.id !== "link-to") return;
  // "Nothing matches": nothing to link until the filter finds something.
  const link = select.form?.querySelector("button[type=submit]");
  if (link) link.disabled = !select.querySelector("option:not([disabled])");
  if ([...select.options].some((option) => option.value === select.dataset.chosen)) {
    select.value = select.dataset.chosen;
  }
});

// --- the claimed-time chips -------------------------------------------------------------

function fillClaimed(value) {
  const field = document.getElementById("id_claimed_text");
  if (!field) return;
  field.value = value;
  field.focus();
}

document.body.addEventListener("htmx:afterSettle", () => setPointing(pointing));
setPointing(pointing);
