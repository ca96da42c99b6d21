// Small touches htmx does not cover. The pages work without this file.
document.addEventListener("keydown", (event) => {
  // Ctrl/Cmd+Enter in the prompt submits the create form.
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.matches("#create textarea")) {
    event.preventDefault();
    event.target.form.requestSubmit();
  }
});

// The elapsed time of in-flight videos ticks every second between polls.
setInterval(() => {
  const now = Date.now() / 1000;
  for (const el of document.querySelectorAll(".elapsed[data-started]")) {
    const seconds = Math.max(0, Math.round(now - Number(el.dataset.started)));
    el.textContent = seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }
}, 1000);

// --- Lightbox: a gallery item opens over the gallery with its own URL. -------
// The links are real links (each item has a page of its own); htmx loads the
// item into the dialog instead, and these few lines open it, move with the
// arrow keys, and close it with Esc, going back to the gallery's URL.
let galleryUrl = null;
const lightbox = () => document.getElementById("lightbox");

document.addEventListener("htmx:beforeRequest", (event) => {
  const dialog = lightbox();
  if (dialog && event.detail.target.id === "lightbox-body" && !dialog.open) {
    galleryUrl = window.location.href;
  }
});

document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = lightbox();
  if (dialog && event.detail.target.id === "lightbox-body" && !dialog.open) {
    dialog.showModal();
  }
});

function closeLightbox() {
  const dialog = lightbox();
  if (dialog && dialog.open) dialog.close();
}

document.addEventListener("close", (event) => {
  if (event.target.id !== "lightbox") return;
  for (const video of event.target.querySelectorAll("video")) video.pause();
  event.target.querySelector("#lightbox-body").replaceChildren();
  if (galleryUrl && window.location.href !== galleryUrl) history.pushState({}, "", galleryUrl);
  galleryUrl = null;
}, true);

document.addEventListener("click", (event) => {
  const close = event.target.closest("#lightbox [data-close]");
  if (close) {
    event.preventDefault();
    closeLightbox();
  } else if (event.target.id === "lightbox") {
    closeLightbox();  // a click on the backdrop
  }
});

window.addEventListener("popstate", closeLightbox);

document.addEventListener("keydown", (event) => {
  const dialog = lightbox();
  if (!dialog || !dialog.open || event.altKey || event.ctrlKey || event.metaKey) return;
  // Arrow keys in a player or a field belong to it.
  if (event.target.closest("video, input, textarea, select")) return;
  const rel = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
  const link = rel && dialog.querySelector(`a[rel="${rel}"]`);
  if (link) {
    event.preventDefault();
    link.click();
  }
});

// --- Copy prompt: the Clipboard API where the page is secure, a fallback elsewhere.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = document.querySelector(button.dataset.copy)?.textContent ?? "";
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = Object.assign(document.createElement("textarea"), { value: text });
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1500);
});

// --- Bulk selection: a count, select all shown, clear. ------------------------
function updateSelection() {
  const count = document.querySelectorAll("input.pick:checked").length;
  for (const el of document.querySelectorAll("[data-selected]")) el.textContent = count;
  document.body.classList.toggle("selecting", count > 0);
}
document.addEventListener("change", (event) => {
  if (event.target.matches("input.pick")) updateSelection();
});
document.addEventListener("htmx:afterSettle", updateSelection);
document.addEventListener("click", (event) => {
  const all = event.target.closest("[data-select-all], [data-select-none]");
  if (!all) return;
  const on = all.matches("[data-select-all]");
  for (const box of document.querySelectorAll("input.pick")) box.checked = on;
  updateSelection();
});

// Forms that ask before they act (deleting a collection, deleting in bulk).
document.addEventListener("submit", (event) => {
  const form = event.target;
  let question = form.dataset.confirm;
  if (form.id === "bulk" && form.elements.action.value === "delete") {
    const count = document.querySelectorAll("input.pick:checked").length;
    question = `Delete ${count} item${count === 1 ? "" : "s"} and their files? This cannot be undone.`;
  }
  if (!question) return;
  if (!window.confirm(question)) {
    event.preventDefault();
  } else if (form.id === "bulk") {
    // Asked here already: the server's own confirmation page is not needed.
    form.append(Object.assign(document.createElement("input"), { type: "hidden", name: "confirmed", value: "1" }));
  }
});
