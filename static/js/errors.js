// When an htmx request fails, say so: htmx does not swap 5xx answers, so without this a
// click during a database outage (503) or a lost connection would do nothing visible.
// The server's own message is shown when it sent one (the "try again" page, or JSON).

function serverMessage(xhr) {
  const type = xhr.getResponseHeader("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return JSON.parse(xhr.responseText).detail;
    } catch {
      return null;
    }
  }
  const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
  return page.querySelector("[data-problem]")?.textContent.trim();
}

function show(message) {
  let banner = document.getElementById("request-problem");
  if (!banner) {
    banner = document.createElement("div");
    banner.id = "request-problem";
    banner.className = "request-problem";
    banner.setAttribute("role", "alert");
    const text = document.createElement("span");
    const close = document.createElement("button");
    close.type = "button";
    close.className = "linklike";
    close.textContent = "Dismiss";
    close.addEventListener("click", () => banner.remove());
    banner.append(text, close);
    document.body.prepend(banner);
  }
  banner.firstChild.textContent = message;
}

document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  // 4xx answers are handled where they happen, but a refusal (403) says why it was refused.
  if (xhr.status < 500 && xhr.status !== 403) return;
  show(serverMessage(xhr) || `The server could not do this (error ${xhr.status}). Try again.`);
});
document.addEventListener("htmx:sendError", () => {
  show("The server cannot be reached: check your connection and try again.");
});
document.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.successful) document.getElementById("request-problem")?.remove();
});
