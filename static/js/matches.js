// Proposed matches on the event page (and their own page): y / c / n decide the current
// pair, arrow keys or j / k move between pairs. The current pair is the focused card, else
// the first; after a decision htmx swaps the list in again and the first card is current.
const cards = () => [...document.querySelectorAll("#match-proposals .match-card")];

function current() {
  return document.activeElement?.closest?.("#match-proposals .match-card") || cards()[0];
}

function step(by) {
  const all = cards();
  const next = all[all.indexOf(current()) + by];
  if (next) next.focus();
}

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  if (event.ctrlKey || event.metaKey || event.altKey || !cards().length) return;
  const key = event.key;
  if (key === "ArrowDown" || key === "j") step(1);
  else if (key === "ArrowUp" || key === "k") step(-1);
  else if (["y", "c", "n"].includes(key)) {
    const button = current()?.querySelector(`button[data-key="${key}"]`);
    if (!button) return;
    button.click();
  } else return;
  event.preventDefault();
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.target.id === "match-proposals") cards()[0]?.focus({ preventScroll: true });
});

// On the proposals' own page the first pair is current from the start.
if (document.querySelector("main h1") && !document.getElementById("event-analysis")) {
  cards()[0]?.focus({ preventScroll: true });
}
