// The review page: keyboard stepping through an article's annotations. Decisions are
// plain forms posted by htmx (the CSRF header comes from <body hx-headers>); this module
// only moves the "current" item, clicks its buttons and opens the reject comment box.
//   j / k  next / previous      a  approve       r  reject (comment box; Enter sends)
//   e      edit in workspace    c  accept this version (curation)
//   g      accept the ticked agreed spans          ?  shortcuts

const items = () => [...document.querySelectorAll("#review-items [data-review-item]")];
const current = () => document.querySelector("#review-items [data-review-item].is-current");

function select(item, { scroll = true } = {}) {
  for (const other of document.querySelectorAll("#review-items .is-current")) {
    other.classList.remove("is-current");
  }
  for (const mark of document.querySelectorAll("#article-text mark.is-selected")) {
    mark.classList.remove("is-selected");
  }
  if (!item) return;
  item.classList.add("is-current");
  document.getElementById("review-items").dataset.selected = item.dataset.id;
  const marks = document.querySelectorAll(`#article-text mark[data-id="${item.dataset.id}"]`);
  for (const mark of marks) mark.classList.add("is-selected");
  if (scroll) {
    item.scrollIntoView({ block: "nearest" });
    marks[0]?.scrollIntoView({ block: "center" });
  }
  item.focus({ preventScroll: true });
  history.replaceState(null, "", `?selected=${item.dataset.id}`);
}

function step(direction) {
  const all = items();
  if (!all.length) return;
  const index = all.indexOf(current());
  const next = index === -1 ? (direction > 0 ? 0 : all.length - 1)
    : Math.min(Math.max(index + direction, 0), all.length - 1);
  select(all[next]);
}

function openReject(item) {
  const box = item?.querySelector(".reject-box");
  if (!box) return;
  box.hidden = false;
  item.classList.add("is-rejecting");
  box.querySelector("textarea").focus();
}

function closeReject(item) {
  const box = item?.querySelector(".reject-box");
  if (!box) return;
  box.hidden = true;
  item.classList.remove("is-rejecting");
  item.focus({ preventScroll: true });
}

function press(action) {
  const item = current();
  item?.querySelector(`[data-action="${action}"]`)?.click();
}

document.addEventListener("click", (event) => {
  const actionEl = event.target.closest("[data-action]");
  const item = event.target.closest("[data-review-item]");
  if (actionEl?.dataset.action === "reject" && item?.querySelector(".reject-box[hidden]")) {
    event.preventDefault(); // first ask for the optional comment
    select(item, { scroll: false });
    return openReject(item);
  }
  if (actionEl?.dataset.action === "cancel-reject") return closeReject(item);
  if (actionEl?.dataset.action === "close-edit") {
    actionEl.closest(".ri-edit")?.replaceChildren();
    return item?.focus({ preventScroll: true });
  }
  if (item && !actionEl && !event.target.closest("form, button")) {
    event.preventDefault(); // the quote's ?selected= link is for pages without JavaScript
    return select(item);
  }
  const mark = event.target.closest("#article-text mark[data-id]");
  if (mark && window.getSelection().isCollapsed) {
    select(document.querySelector(`#review-items [data-review-item][data-id="${mark.dataset.id}"]`));
  }
});

document.addEventListener("keydown", (event) => {
  const field = event.target.closest("input, textarea, select");
  if (field?.matches(".reject-box textarea")) {
    const item = field.closest("[data-review-item]");
    if (event.key === "Escape") {
      event.preventDefault();
      closeReject(item);
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      field.form.requestSubmit();
    }
    return;
  }
  if (field || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  if (key === "j") step(1);
  else if (key === "k") step(-1);
  else if (key === "a") press("approve");
  else if (key === "r") openReject(current());
  else if (key === "e") press("edit");
  else if (key === "c") press("curate");
  else if (key === "g") document.getElementById("accept-agreed")?.click();
  else if (key === "?") document.getElementById("shortcuts").showModal();
  else if (key === "Escape") document.getElementById("shortcuts").close();
  else return;
  event.preventDefault();
});

// After a decision the server marks the next undecided item as current: follow it.
document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.target.id === "review-items") select(current() || items()[0]);
});

select(current() || items()[0], { scroll: true });
