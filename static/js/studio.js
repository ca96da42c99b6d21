// Small touches htmx does not cover. The pages work without this file.
document.addEventListener("keydown", (event) => {
  // Held down, the keys repeat: only the press counts, or a suggestion used would then be sent.
  if (!(event.ctrlKey || event.metaKey) || event.key !== "Enter" || event.repeat) return;
  // Ctrl/Cmd+Enter in a prompt help suggestion uses it, as its Use button does (composer.js); in the
  // create form's own boxes it submits the form.
  const suggestion = event.target.closest?.("[data-suggestion]");
  if (suggestion) {
    event.preventDefault();
    suggestion.querySelector("[data-use-suggestion]")?.click();
  } else if (event.target.matches("#create textarea")) {
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
// item into the dialog instead, and these lines keep the address bar and the
// Back button honest: opening pushes the item's URL, moving with the arrow
// keys replaces it, and closing (Esc, ✕, the backdrop or Back) returns to the
// gallery's URL. htmx's own history is not involved, so its page snapshots
// never contain an open dialog.
const lightbox = () => document.getElementById("lightbox");

// Filters and the Image / Video switch: the server names the URL to show.
document.addEventListener("htmx:afterSwap", (event) => {
  const url = event.detail.xhr && event.detail.xhr.getResponseHeader("HX-Replace-Url");
  if (url) history.replaceState(history.state, "", url);
});

document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = lightbox();
  if (!dialog || event.detail.target?.id !== "lightbox-body") return;
  const url = event.detail.pathInfo.requestPath;
  if (dialog.open) {
    history.replaceState({ lightbox: true }, "", url);
  } else {
    history.pushState({ lightbox: true }, "", url);
    dialog.showModal();
  }
});

document.addEventListener("close", (event) => {
  if (event.target.id !== "lightbox") return;
  for (const video of event.target.querySelectorAll("video")) video.pause();
  event.target.querySelector("#lightbox-body").replaceChildren();
  // Closed by the person rather than by Back: take the item's entry off too.
  if (history.state && history.state.lightbox) history.back();
}, true);

function closeLightbox() {
  const dialog = lightbox();
  if (dialog && dialog.open) dialog.close();
}

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
    // A key held down can arrive before htmx has taken over a link it just
    // swapped in; without this the browser would follow it as a plain link.
    htmx.process(link);
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
  if (!on) setSelectMode(false, true);  // Clear also puts the bar away
});

// The bar waits out of sight until a card is ticked (its checkbox is in the Tab order) or
// "Select" is pressed, which shows it with "Select all shown" and the cards' checkboxes.
function setSelectMode(on, returnFocus = false) {
  const button = document.querySelector("[data-select-mode]");
  document.body.classList.toggle("select-mode", on);
  if (!button) return;
  button.setAttribute("aria-expanded", String(on));
  if (on) document.querySelector("#bulk [data-select-all]")?.focus();
  else if (returnFocus) button.focus();
}
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-select-mode]");
  if (!button) return;
  button.hidden = false;
  document.body.classList.add("bulk-managed");
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-select-mode]")) setSelectMode(!document.body.classList.contains("select-mode"));
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

// Each poll says which cards this page has (the newest id shown) and whether it
// takes new ones: a newest-first, unfiltered gallery shows work started elsewhere
// (a script through the task API, another tab) at the top; a filtered view does not.
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.elt.id !== "poller") return;
  const gallery = document.getElementById("gallery");
  if (!gallery) return;
  let newest = 0;
  for (const card of gallery.querySelectorAll("article.card")) {
    newest = Math.max(newest, Number(card.id.slice(4)) || 0);
  }
  event.detail.parameters.newest = newest;
  if (gallery.hasAttribute("data-live")) event.detail.parameters.live = "1";
});

// A card that the form's answer and a poll both bring (they can cross) is shown
// once: the later copy replaces the earlier instead of being added above it.
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  if (!event.detail.target || event.detail.target.id !== "gallery") return;
  const card = event.detail.fragment.querySelector && event.detail.fragment.querySelector("article.card");
  const present = card && document.getElementById(card.id);
  if (!present) return;
  event.detail.shouldSwap = false;
  present.replaceWith(card);
  htmx.process(card);
});

// --- The idle check: work started elsewhere, asked for only while the tab is seen.
// With nothing at work the poller waits for an `idle-poll` event, sent here on its
// slow interval while the tab is visible, and at once when the person comes back.
// (A condition inside hx-trigger would be code evaluated from an attribute.)
let idleTimer = null;
let idleTimerFor = null;

function idlePoller() {
  const poller = document.getElementById("poller");
  return poller && poller.dataset.polling === "idle" ? poller : null;
}

function scheduleIdlePoll() {
  clearTimeout(idleTimer);
  const poller = idlePoller();
  idleTimerFor = document.getElementById("poller");
  if (!poller) return;
  idleTimer = setTimeout(() => {
    if (idlePoller() === poller && document.visibilityState === "visible") htmx.trigger(poller, "idle-poll");
    scheduleIdlePoll();
  }, (Number(poller.dataset.interval) || 15) * 1000);
}

document.addEventListener("DOMContentLoaded", scheduleIdlePoll);
// A poll's answer replaces the poller (busy, or idle with a fresh `since`): time the new one.
document.addEventListener("htmx:afterSettle", () => {
  if (document.getElementById("poller") !== idleTimerFor) scheduleIdlePoll();
});
document.addEventListener("visibilitychange", () => {
  const poller = idlePoller();
  if (!poller) return;
  if (document.visibilityState === "visible") htmx.trigger(poller, "idle-poll");
  scheduleIdlePoll();
});

// --- Cards that end: read out to screen readers, and told to a person in another tab.
// The tab's title counts what ended while it was hidden, "(2) Grok Studio", until the
// person looks again; a notification names the prompt if they once allowed it through
// the gallery's button (the browser is never asked unprompted).
const ACTIVE = new Set(["pending", "submitting", "processing", "downloading"]);
const ENDINGS = { completed: "Finished", failed: "Failed", cancelled: "Cancelled", timeout: "Timed out" };
let cardStatus = new Map();
let unseen = 0;

function readCards() {
  return new Map([...document.querySelectorAll("article.card[data-status]")].map((card) => [card.id, card.dataset.status]));
}

function untitled() {
  return document.title.replace(/^\(\d+\) /, "");
}

function cardsEnded(cards) {
  const told = cards.map((card) => ({
    ending: ENDINGS[card.dataset.status] || card.dataset.status,
    prompt: card.querySelector(".meta .prompt")?.textContent.trim() ?? "",
    card,
  }));
  const announcer = document.getElementById("announcer");
  if (announcer) announcer.textContent = told.map((t) => `${t.ending}: ${t.prompt}`).join(". ");
  if (document.visibilityState !== "hidden") return;
  const finished = told.filter((t) => t.card.dataset.status !== "cancelled");
  if (!finished.length) return;
  unseen += finished.length;
  document.title = `(${unseen}) ${untitled()}`;
  if ("Notification" in window && Notification.permission === "granted") {
    for (const t of finished) new Notification(`${t.ending} · Grok Studio`, { body: t.prompt, tag: t.card.id });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  cardStatus = readCards();
  const offer = document.querySelector("[data-notify-offer]");
  if (offer && "Notification" in window && Notification.permission === "default") offer.hidden = false;
});

document.addEventListener("htmx:afterSettle", () => {
  const now = readCards();
  const ended = [...now]
    .filter(([id, status]) => ACTIVE.has(cardStatus.get(id)) && !ACTIVE.has(status))
    .map(([id]) => document.getElementById(id));
  cardStatus = now;
  if (ended.length) cardsEnded(ended);
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || !unseen) return;
  unseen = 0;
  document.title = untitled();
});

document.addEventListener("click", async (event) => {
  if (!event.target.closest("[data-notify]")) return;
  await Notification.requestPermission();
  const offer = document.querySelector("[data-notify-offer]");
  if (offer && Notification.permission !== "default") offer.hidden = true;
});

// A card that changed may not be on this page (filtered out, or further down than the
// page has loaded yet): the poll's answer keeps only the cards the page shows.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.target.id !== "poller" || !event.detail.serverResponse) return;
  const answer = document.createElement("template");
  answer.innerHTML = event.detail.serverResponse;
  const absent = [...answer.content.querySelectorAll('[hx-swap-oob="true"][id]')].filter(
    (card) => card.id !== "poller" && !document.getElementById(card.id),
  );
  if (!absent.length) return;
  absent.forEach((card) => card.remove());
  event.detail.serverResponse = answer.innerHTML;
});

// --- Presets: Enter in "Save as preset" saves the preset, not a generation. ------------------
// (The fields sit inside the create form, whose first submit button is Generate.)
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.closest(".save-preset input")) return;
  event.preventDefault();
  event.target.closest(".save-preset").querySelector("[data-save-preset]").click();
});

// --- Compare: the selection bar's Compare opens the ticked cards' items side by side. --------
function compareIds() {
  const ids = [];
  for (const box of document.querySelectorAll("input.pick:checked")) {
    for (const tile of box.closest("article.card")?.querySelectorAll("[data-asset-id]") ?? []) ids.push(tile.dataset.assetId);
  }
  return ids;
}
function updateCompare() {
  const button = document.querySelector("[data-compare-selected]");
  if (!button) return;
  const count = compareIds().length;
  button.hidden = false;
  button.disabled = count < 2 || count > 4;
  button.title = button.disabled ? `Tick 2 to 4 items to compare them (${count} now)` : `Compare these ${count}`;
}
document.addEventListener("DOMContentLoaded", updateCompare);
document.addEventListener("change", (event) => { if (event.target.matches("input.pick")) updateCompare(); });
document.addEventListener("htmx:afterSettle", updateCompare);
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-select-all], [data-select-none]")) updateCompare();
  const button = event.target.closest("[data-compare-selected]");
  if (button && !button.disabled) window.location.assign(`${button.dataset.url}?ids=${compareIds().join(",")}`);
});

// --- A request that fails says so, in the messages area, instead of nothing happening. ----------
// htmx swaps nothing from an error answer or a lost connection; the person is told which.
function showProblem(text) {
  const area = document.getElementById("messages");
  if (!area) return;
  const item = Object.assign(document.createElement("li"), { className: "error", textContent: text });
  const list = Object.assign(document.createElement("ul"), { className: "messages" });
  list.append(item);
  area.replaceChildren(list);
}
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  showProblem(status >= 500
    ? `The studio could not do that just now (error ${status}). Try again in a moment.`
    : `The studio refused that (error ${status}). Reload the page and try again.`);
});
document.addEventListener("htmx:sendError", () => {
  showProblem("The studio could not be reached. Check your connection, then try again.");
});
