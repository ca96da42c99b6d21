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
    // Said aloud only when the state changes (near the limit, over it, back within it), not per key.
    const status = Object.assign(document.createElement("span"), { className: "visually-hidden" });
    status.setAttribute("role", "status");
    status.dataset.lengthStatus = "";
    count.after(status);
  }
  return count;
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
  if (control.dataset.lengthState !== state) {
    const status = count.nextElementSibling?.matches("[data-length-status]") ? count.nextElementSibling : null;
    if (status && control.dataset.lengthState) {
      status.textContent = over ? overLimitMessage(length, limit)
        : near ? `${numbers.format(limit - length)} characters left.`
        : `Within the ${numbers.format(limit)} character limit.`;
    }
    control.dataset.lengthState = state;
  }
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
