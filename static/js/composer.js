// The create form and other text fields: what the browser adds to forms that work without it.
// Every form here still posts as plain HTML; the server checks everything again.

// --- Length limits: count, mark, refuse; never cut. ---------------------------
// Fields with a limit carry `data-limit` (not `maxlength`, which would silently
// drop pasted text past the limit). The count below each one says how much is
// left, or how far over it is; a form with text over a limit is not sent.
const numbers = new Intl.NumberFormat("en");

// Counted as the server counts: code points, surrounding spaces stripped.
const lengthOf = (control) => [...control.value.trim()].length;

function overLimitMessage(length, limit) {
  const over = length - limit;
  return `${numbers.format(over)} character${over === 1 ? "" : "s"} over the ${numbers.format(limit)} limit.`;
}

function countFor(control) {
  const id = `${control.id}_count`;
  let count = document.getElementById(id);
  if (!count) {
    // A field drawn without the shared template (a rename box in a list): make its count.
    count = Object.assign(document.createElement("span"), { id, className: "char-count" });
    control.after(count);
  }
  if (!count.dataset.ready) {
    count.dataset.ready = "1";
    count.replaceChildren(
      Object.assign(document.createElement("span"), { className: "shown" }),
      Object.assign(document.createElement("span"), { className: "visually-hidden" }),
    );
    const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(id)) control.setAttribute("aria-describedby", [id, ...described].join(" "));
  }
  return count;
}

// One polite live region for every count, said aloud only when a field's state
// changes (near the limit, over it, back within it), not at every key.
function announce(text) {
  let region = document.getElementById("length-status");
  if (!region) {
    region = Object.assign(document.createElement("div"), { id: "length-status", className: "visually-hidden" });
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  region.textContent = text;
}

function updateCount(control) {
  if (!control.id) return;
  const limit = Number(control.dataset.limit);
  const length = lengthOf(control);
  const over = length > limit;
  const near = !over && length >= limit * 0.9;
  const count = countFor(control);
  const [shown, spoken] = count.children;
  // "12 / 1,000" to the eye; in words to a screen reader.
  shown.textContent = over ? overLimitMessage(length, limit) : `${numbers.format(length)} / ${numbers.format(limit)}`;
  shown.setAttribute("aria-hidden", String(!over));
  spoken.textContent = over ? "" : `${numbers.format(length)} characters of at most ${numbers.format(limit)}.`;
  const state = over ? "over" : near ? "near" : "within";
  count.dataset.state = state;
  if (control.dataset.lengthState && control.dataset.lengthState !== state) {
    announce(over ? overLimitMessage(length, limit)
      : near ? `${numbers.format(limit - length)} characters left.`
      : `Within the ${numbers.format(limit)} character limit.`);
  }
  control.dataset.lengthState = state;
  if (over) {
    control.setAttribute("aria-invalid", "true");
    control.dataset.overLimit = "1";
  } else if (control.dataset.overLimit) {
    control.removeAttribute("aria-invalid");
    delete control.dataset.overLimit;
    control.closest(".field")?.querySelector("[data-length-error]")?.remove();
  }
}

function updateCounts(root) {
  for (const control of root.querySelectorAll("[data-limit]")) updateCount(control);
}

document.addEventListener("input", (event) => {
  if (event.target.matches("[data-limit]")) updateCount(event.target);
});

// Before htmx (or the browser) sends a form: a text over its limit stops it, with the reason beside it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const over = [...form.querySelectorAll("[data-limit]")].filter((c) => lengthOf(c) > Number(c.dataset.limit));
  for (const control of form.querySelectorAll("[data-limit]")) updateCount(control);
  if (!over.length) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  for (const control of over) {
    const place = control.closest(".field") || control.parentElement;
    let error = place.querySelector("[data-length-error]");
    if (!error) {
      error = Object.assign(document.createElement("div"), { className: "error" });
      error.dataset.lengthError = "";
      error.setAttribute("role", "alert");
      countFor(control).before(error);
    }
    error.textContent = `Not sent: ${overLimitMessage(lengthOf(control), Number(control.dataset.limit))} Shorten it, then try again.`;
  }
  over[0].focus();
}, true);

// Pages and fragments as they arrive (htmx:load fires for the first page too).
document.addEventListener("htmx:load", (event) => updateCounts(event.detail.elt));
if (document.readyState !== "loading") updateCounts(document);
else document.addEventListener("DOMContentLoaded", () => updateCounts(document));

// --- "More options": open as the person left it. ------------------------------
// The server opens it itself when it holds an error or an attached file
// (data-keep-open); otherwise the person's last choice, per kind, is kept here.
const rememberKey = (details) => `studio:composer-more:${details.dataset.remember}`;

function restoreDisclosures(root) {
  for (const details of root.querySelectorAll("details[data-remember]")) {
    if (details.hasAttribute("data-keep-open")) continue;
    try {
      details.open = localStorage.getItem(rememberKey(details)) === "open";
    } catch { /* storage may be off: it just starts closed */ }
  }
}

document.addEventListener("click", (event) => {
  const summary = event.target.closest("details[data-remember] > summary");
  if (!summary) return;
  const details = summary.parentElement;
  // The click comes before the toggle: the state it leads to is the opposite of now.
  try {
    localStorage.setItem(rememberKey(details), details.open ? "closed" : "open");
  } catch { /* nothing to keep it in */ }
});

// --- The gallery's filters: one "Filters" button on a narrow screen. ---------
// Open in the HTML (they work without a script); closed here on a phone, and
// opened again if the screen grows wide (where the button itself is hidden).
const narrow = window.matchMedia("(max-width: 700px)");

function fitFilters() {
  for (const details of document.querySelectorAll("details.filter-more")) details.open = !narrow.matches;
}
narrow.addEventListener("change", fitFilters);

document.addEventListener("htmx:load", (event) => restoreDisclosures(event.detail.elt));
if (document.readyState !== "loading") {
  restoreDisclosures(document);
  fitFilters();
} else {
  document.addEventListener("DOMContentLoaded", () => {
    restoreDisclosures(document);
    fitFilters();
  });
}
