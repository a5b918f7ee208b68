// The annotation workspace: the browser's part is only what the server cannot do,
// turning a text selection into offsets, plus keyboard shortcuts. Everything else
// is htmx. Offsets come from the selection's Range measured against the article
// container (never screen positions: in right-to-left text visual order is not
// logical order), in UTF-16 units, then converted to code points for the server.

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const workspace = document.getElementById("workspace");
const toolbar = document.getElementById("selection-toolbar");
// Shortcut key -> kind, from the toolbar's buttons (written from the kind registry).
const kindKeys = Object.fromEntries(
  [...toolbar.querySelectorAll("button[data-kind]")].map((b) => [b.dataset.key, b.dataset.kind]),
);
let lastSelection = null;
let kindFilter = "all";

const articleText = () => document.getElementById("article-text");
const selectedId = () => document.querySelector("#detail [data-selected]")?.dataset.selected || "";

// --- offsets -------------------------------------------------------------

export function snapToGraphemes(text, start, end) {
  // Never half an emoji, a flag, or a letter without its diacritics.
  if (start < text.length) start = graphemes.segment(text).containing(start).index;
  if (end > 0 && end < text.length) {
    const last = graphemes.segment(text).containing(end - 1);
    end = last.index + last.segment.length;
  }
  return [start, end];
}

export function trimWhitespace(text, start, end) {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  return [start, end];
}

export function utf16ToCodePoints(text, offset) {
  return [...text.slice(0, offset)].length;
}

function selectionOffsets() {
  const container = articleText();
  const selection = window.getSelection();
  if (!container || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0).cloneRange();
  const whole = document.createRange();
  whole.selectNodeContents(container);
  if (!range.intersectsNode(container)) return null;
  if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) range.setStart(container, 0);
  if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) {
    range.setEnd(container, container.childNodes.length);
  }
  const before = document.createRange();
  before.setStart(container, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const text = container.textContent;
  let start = before.toString().length;
  let end = start + range.toString().length;
  [start, end] = snapToGraphemes(text, start, end);
  [start, end] = trimWhitespace(text, start, end);
  if (start >= end) return null;
  return {
    start: utf16ToCodePoints(text, start),
    end: utf16ToCodePoints(text, end),
    quote: text.slice(start, end),
    rect: range.getBoundingClientRect(),
  };
}

// --- toolbar and creating spans -------------------------------------------

function showToolbar(offsets) {
  const top = offsets.rect.bottom + window.scrollY + 6;
  const left = Math.max(8, offsets.rect.left + window.scrollX);
  toolbar.style.setProperty("top", `${top}px`);
  toolbar.style.setProperty("left", `${left}px`);
  toolbar.hidden = false;
}

function hideToolbar() {
  toolbar.hidden = true;
}

function fillAndSubmit(form, values) {
  for (const [name, value] of Object.entries(values)) form.elements[name].value = value;
  form.requestSubmit();
}

function createSpan(kind) {
  const offsets = selectionOffsets() || lastSelection;
  if (!offsets) return;
  hideToolbar();
  window.getSelection()?.removeAllRanges();
  lastSelection = null;
  fillAndSubmit(document.getElementById("create-form"), {
    kind, start: offsets.start, end: offsets.end, quote: offsets.quote,
  });
}

function replaceSpan() {
  const offsets = selectionOffsets() || lastSelection;
  const form = document.getElementById("respan-form");
  if (!offsets || !form) return flash("Select the new text for this annotation first.");
  hideToolbar();
  fillAndSubmit(form, { start: offsets.start, end: offsets.end, quote: offsets.quote });
}

function flash(message) {
  const box = document.getElementById("flash");
  if (!box) return;
  box.replaceChildren(Object.assign(document.createElement("p"), { className: "error", textContent: message }));
}

document.addEventListener("selectionchange", () => {
  const offsets = selectionOffsets();
  if (offsets) {
    lastSelection = offsets;
    showToolbar(offsets);
  } else if (!toolbar.contains(document.activeElement)) {
    hideToolbar();
  }
});

toolbar.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
toolbar.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-kind]");
  if (button) createSpan(button.dataset.kind);
});

// --- selecting annotations ---------------------------------------------------

function openDetail(id, { scroll = false } = {}) {
  const url = workspace.dataset.detailUrl.replace(/\/0\/$/, `/${id}/`);
  htmx.ajax("GET", url, { target: "#detail", swap: "innerHTML" }).then(() => {
    if (scroll) document.querySelector(`#article-text mark[data-id="${id}"]`)
      ?.scrollIntoView({ block: "center", behavior: "smooth" });
  });
}

function markSelected() {
  const id = selectedId();
  for (const mark of document.querySelectorAll("#article-text mark.is-selected")) {
    mark.classList.remove("is-selected");
  }
  if (id) {
    for (const mark of document.querySelectorAll(`#article-text mark[data-id="${id}"]`)) {
      mark.classList.add("is-selected");
    }
  }
  for (const item of document.querySelectorAll("#annotation-list .ann-item")) {
    item.classList.toggle("is-selected", item.dataset.annotationId === id);
  }
}

function step(direction) {
  // Text order (of first appearance), skipping kinds the list filter hides.
  const ids = [];
  for (const mark of document.querySelectorAll("#article-text mark[data-id]")) {
    const kind = mark.className.match(/hl-(\w+)/)[1];
    if (!ids.includes(mark.dataset.id) && (kindFilter === "all" || kind === kindFilter)) {
      ids.push(mark.dataset.id);
    }
  }
  if (!ids.length) return;
  const index = ids.indexOf(selectedId());
  const next = index === -1 ? (direction > 0 ? 0 : ids.length - 1)
    : (index + direction + ids.length) % ids.length;
  openDetail(ids[next], { scroll: true });
}

function closeDetail() {
  const detail = document.getElementById("detail");
  detail.replaceChildren(Object.assign(document.createElement("div"), {
    className: "detail-empty", innerHTML: "<h2>No annotation selected</h2>",
  }));
  detail.firstChild.dataset.selected = "";
  markSelected();
}

document.addEventListener("click", (event) => {
  const action = event.target.closest("[data-action]")?.dataset.action;
  if (action === "close-detail") return closeDetail();
  if (action === "replace-span") return replaceSpan();
  const mark = event.target.closest("#article-text mark[data-id]");
  if (!mark || !window.getSelection().isCollapsed) return;
  openDetail(mark.dataset.id);
});

// --- list filter --------------------------------------------------------------

function applyFilter() {
  for (const button of document.querySelectorAll("#annotation-list [data-filter]")) {
    button.setAttribute("aria-pressed", String(button.dataset.filter === kindFilter));
  }
  for (const group of document.querySelectorAll("#annotation-list .ann-group")) {
    group.hidden = kindFilter !== "all" && group.dataset.kind !== kindFilter;
  }
}

document.addEventListener("click", (event) => {
  const item = event.target.closest("#annotation-list .ann-item[data-annotation-id]");
  if (item) {
    document.querySelector(`#article-text mark[data-id="${item.dataset.annotationId}"]`)
      ?.scrollIntoView({ block: "center", behavior: "smooth" });
  }
  const button = event.target.closest("#annotation-list [data-filter]");
  if (!button) return;
  kindFilter = button.dataset.filter;
  applyFilter();
});

// --- the text is focusable (caret, Shift+arrows) but never editable -----------

for (const type of ["beforeinput", "paste", "drop", "cut"]) {
  document.addEventListener(type, (event) => {
    if (event.target.closest?.("#article-text")) event.preventDefault();
  });
}

// --- keyboard -------------------------------------------------------------------

function clickIf(id) {
  const button = document.getElementById(id);
  if (button) button.click();
  return Boolean(button);
}

// A focused control keeps its keys: Enter on a focused Reject rejects, "j" in a note is
// a letter. The article text is focusable too, but it is where the shortcuts belong.
function inControl(target) {
  return target.closest?.(
    "input, textarea, select, button, [contenteditable]:not(#article-text):not([contenteditable=false])",
  );
}

// Back to the text, the caret at the start of the last span chosen, so that j/k, Tab and
// Shift+arrows go on from where the reader was.
let lastSpanId = "";
function focusText() {
  const box = articleText();
  if (!box) return;
  box.focus({ preventScroll: true });
  const mark = lastSpanId && box.querySelector(`mark[data-id="${lastSpanId}"]`);
  if (!mark) return;
  const first = document.createTreeWalker(mark, NodeFilter.SHOW_TEXT).nextNode();
  const range = document.createRange();
  range.setStart(first || mark, 0);
  window.getSelection().removeAllRanges();
  window.getSelection().addRange(range);
  mark.scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    const shortcuts = document.getElementById("shortcuts");
    if (shortcuts.open) return shortcuts.close(); // the dialog gives focus back itself
    hideToolbar();
    // From a field the panel stays open (its edits are not lost); from the text it closes.
    if (!inControl(event.target)) closeDetail();
    focusText();
    return event.preventDefault();
  }
  if (event.ctrlKey || event.metaKey || event.altKey || inControl(event.target)) return;
  const key = event.key;
  if (key === "Enter" && event.target.closest("a[href], summary")) return; // follows the link
  if (kindKeys[key] && (selectionOffsets() || !toolbar.hidden)) createSpan(kindKeys[key]);
  else if ((key === "y" || key === "Enter") && clickIf("accept-suggestion")) { /* accepted */ }
  else if (key === "n" && clickIf("reject-suggestion")) { /* rejected */ }
  else if (key === "A" && event.shiftKey) {
    // Asked of htmx directly: a panel swapped in a moment ago may not be wired up yet.
    const trigger = document.getElementById("accept-all-kind")
      || document.querySelector("[data-accept-all]");
    if (trigger) htmx.ajax("GET", trigger.getAttribute("hx-get"), { target: "#detail", swap: "innerHTML" });
  }
  else if (key === "j") step(1);
  else if (key === "k") step(-1);
  else if (key === "u") document.getElementById("undo-button")?.click();
  else if (key === "Delete") document.getElementById("delete-button")?.click();
  else if (key === "?") document.getElementById("shortcuts").showModal();
  else if (key.length === 1 && event.target.closest("#article-text")) {
    // Typing in the text does nothing; arrows and Shift+arrows still move the caret.
  } else return;
  event.preventDefault();
});

document.body.addEventListener("htmx:afterSettle", () => {
  applyFilter();
  markSelected();
  lastSpanId = selectedId() || lastSpanId;
});
applyFilter();
markSelected();
lastSpanId = selectedId();

// --- saving: "Saving… / Saved" near the panel, and no lost edits ------------------
// A write answers only what it changed (the text parts, list items, the panel), so the
// page does not move. Typed but unsaved panel edits are kept per annotation in
// sessionStorage and restored when the panel opens again (after a click elsewhere, j/k,
// Esc); they are dropped once the server has answered the Save.

const DRAFT_SKIP = new Set(["csrfmiddlewaretoken", "version", "q"]);
const draftKey = (id) => `annotator-draft-${location.pathname}-${id}`;
const isPost = (event) => (event.detail.requestConfig?.verb || "").toLowerCase() === "post";

let saveStatusTimer;

function setSaveStatus(text, state) {
  const box = document.getElementById("save-status");
  if (!box) return;
  box.textContent = text;
  box.dataset.state = state;
  // "Saved" goes after a while (on a phone it floats over the page); errors stay.
  clearTimeout(saveStatusTimer);
  if (state === "saved") saveStatusTimer = setTimeout(() => setSaveStatus("", "idle"), 5000);
}

document.body.addEventListener("htmx:beforeRequest", (event) => {
  if (isPost(event) && workspace.contains(event.target)) setSaveStatus("Saving…", "saving");
});

document.body.addEventListener("htmx:afterRequest", (event) => {
  // A form swapped away is announced again on its nearest ancestor still in the page.
  if (!isPost(event) || !workspace.contains(event.target)) return;
  const status = event.detail.xhr.status;
  if (status >= 200 && status < 300) setSaveStatus("Saved", "saved");
  else if (status === 409) setSaveStatus("Not saved: changed meanwhile, see the panel", "error");
  else setSaveStatus("Not saved", "error");
  const form = event.detail.requestConfig.elt; // detail.elt is that ancestor
  if (form?.id === "detail-form" && status > 0 && status < 500) {
    sessionStorage.removeItem(draftKey(form.closest("[data-selected]")?.dataset.selected));
  }
});

function keepDraft(event) {
  const form = event.target.closest?.("#detail-form");
  if (!form || DRAFT_SKIP.has(event.target.name)) return;
  const fields = {};
  for (const field of form.elements) {
    if (field.name && !DRAFT_SKIP.has(field.name)) fields[field.name] = field.value;
  }
  const version = form.elements.version?.value;
  sessionStorage.setItem(draftKey(selectedId()), JSON.stringify({ version, fields }));
}
document.addEventListener("input", keepDraft);
document.addEventListener("change", keepDraft);

function restoreDraft() {
  const form = document.getElementById("detail-form");
  const id = selectedId();
  const saved = form && id && sessionStorage.getItem(draftKey(id));
  if (!saved || form.dataset.restored) return;
  const { version, fields } = JSON.parse(saved);
  for (const [name, value] of Object.entries(fields)) {
    if (form.elements[name] && "value" in form.elements[name]) form.elements[name].value = value;
  }
  // The version the edit started from: if someone saved since, Save shows the conflict.
  if (version && form.elements.version) form.elements.version.value = version;
  form.dataset.restored = "1";
  const note = document.createElement("p");
  note.className = "draft-note small";
  note.id = "draft-note";
  note.setAttribute("role", "status");
  const discard = Object.assign(document.createElement("button"), {
    type: "button", className: "linklike", id: "discard-draft", textContent: "Discard them",
  });
  discard.dataset.action = "discard-draft";
  note.append("Your unsaved changes are back. ", discard);
  form.prepend(note);
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-action]")?.dataset.action !== "discard-draft") return;
  const id = selectedId();
  sessionStorage.removeItem(draftKey(id));
  openDetail(id);
});

function showConflict() {
  // The 409 box is drawn at the top of the panel: bring it into view, in the sidebar too.
  const box = document.getElementById("conflict");
  if (!box) return;
  box.scrollIntoView({ block: "nearest" });
  box.focus({ preventScroll: true });
}

document.body.addEventListener("htmx:afterSettle", () => {
  restoreDraft();
  showConflict();
});
restoreDraft();

// On a phone the panel is a bottom sheet (app.css): keep the chosen span in view above it
// (its scroll-margin-bottom is the sheet's height). A span may be drawn in several pieces:
// its end first, then its start, so the start wins when it does not all fit.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const panel = document.getElementById("detail");
  if (event.detail.target !== panel || getComputedStyle(panel).position !== "fixed") return;
  const pieces = document.querySelectorAll("#article-text mark.is-selected");
  for (const piece of [pieces[pieces.length - 1], pieces[0]]) piece?.scrollIntoView({ block: "nearest" });
});

// A proposed match accepted in the claim panel moved the claim into an event (the server
// says "matches-decided", and the panel is read again): an unsaved draft then builds on
// the new version, without its old event, so Save is no conflict with one's own decision.
document.body.addEventListener("matches-decided", () => {
  const key = draftKey(selectedId());
  const saved = sessionStorage.getItem(key);
  if (!saved) return;
  const draft = JSON.parse(saved);
  delete draft.version;
  delete draft.fields.event;
  delete draft.fields.new_event_title;
  sessionStorage.setItem(key, JSON.stringify(draft));
});
