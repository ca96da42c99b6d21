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
  spoken.textContent = over ? "" : `${numbers.format(length)} character${length === 1 ? "" : "s"} of at most ${numbers.format(limit)}.`;
  const state = over ? "over" : near ? "near" : "within";
  count.dataset.state = state;
  if (control.dataset.lengthState && control.dataset.lengthState !== state) {
    announce(over ? overLimitMessage(length, limit)
      : near ? `${numbers.format(limit - length)} character${limit - length === 1 ? "" : "s"} left.`
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
// A panel's own fields ("Save as preset", inside the create form) count only for the panel's own
// button: Generate does not send them, and an alert in a closed panel would be a refusal unseen.
function limitedFor(form, submitter) {
  const panel = submitter?.closest("[data-own-fields]");
  return [...form.querySelectorAll("[data-limit]")].filter((control) => {
    const home = control.closest("[data-own-fields]");
    return !home || home === panel;
  });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const limited = limitedFor(form, event.submitter);
  const over = limited.filter((c) => lengthOf(c) > Number(c.dataset.limit));
  for (const control of limited) updateCount(control);
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
  over[0].closest("details")?.setAttribute("open", "");
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

// --- Attachments: drop, paste or pick; see them; remove one. -----------------
// The file inputs stay the real carriers: files dropped or pasted are put into
// them with a DataTransfer, so the plain form post (and htmx's) sends them and
// the server checks them as it checks picked ones. A picture dragged from the
// gallery goes as the id of that item (`reference_assets`), as "Use as
// reference" sends it.
const ASSET_TYPE = "application/x-studio-asset";
const kept = new WeakMap();  // input -> the files it holds, to add to rather than replace

const isClip = (file) => file.type.startsWith("video/");
const isImage = (file) => file.type.startsWith("image/");

function attachmentList(input) {
  let list = input.parentElement.querySelector(":scope > ul.attachments");
  if (!list) {
    list = Object.assign(document.createElement("ul"), { className: "attachments" });
    list.setAttribute("aria-label", `Attached: ${input.labels[0]?.textContent ?? "files"}`);
    input.after(list);
  }
  return list;
}

function attachmentItem(label, preview, onRemove, removeName = `Remove ${label}`) {
  const item = document.createElement("li");
  item.append(preview, Object.assign(document.createElement("span"), { className: "name", textContent: label }));
  const remove = Object.assign(document.createElement("button"), { type: "button", className: "small remove", textContent: "✕" });
  remove.setAttribute("aria-label", removeName);
  remove.title = "Remove";
  remove.addEventListener("click", () => {
    const list = item.parentElement;
    onRemove();
    // Keep the keyboard where it was: on the next Remove, or on the list's field.
    (list?.querySelector("button.remove") ?? list?.closest(".field")?.querySelector("input[type=file]"))?.focus();
  });
  item.append(remove);
  return item;
}

function showFiles(input) {
  const list = attachmentList(input);
  for (const old of list.querySelectorAll("[data-object-url]")) URL.revokeObjectURL(old.src);
  list.querySelectorAll("li.file").forEach((li) => li.remove());
  [...input.files].forEach((file, index) => {
    const url = URL.createObjectURL(file);
    const preview = isClip(file)
      ? Object.assign(document.createElement("video"), { src: url, muted: true, preload: "metadata" })
      : Object.assign(document.createElement("img"), { src: url, alt: "" });
    preview.dataset.objectUrl = "";
    const item = attachmentItem(file.name, preview, () => {
      setFiles(input, [...input.files].filter((_, i) => i !== index));
    });
    item.classList.add("file");
    if (isImage(file)) item.querySelector("button.remove").before(describeButton(input.form, file));
    list.append(item);
  });
}

// "Describe" on a picture not sent yet: Grok's prompts for it appear where Improve's do.
function describeButton(form, file) {
  const button = Object.assign(document.createElement("button"), { type: "button", className: "small describe", textContent: "Describe" });
  button.setAttribute("aria-label", `Describe ${file.name}`);
  button.title = "Ask Grok for prompts that would make a picture like this";
  button.addEventListener("click", async () => {
    const target = form.querySelector("#prompt-help");
    const body = new FormData();
    body.append("image", file);
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    button.disabled = true;
    try {
      const response = await fetch(form.dataset.describeUrl, { method: "POST", body, headers: { "HX-Request": "true" } });
      if (!response.ok) throw new Error(response.statusText);
      // Signed out meanwhile: the answer is the sign-in page, which belongs to the whole window.
      if (response.redirected) { window.location.assign(response.url); return; }
      target.innerHTML = await response.text();
      htmx.process(target);
    } catch {
      announce("Describe did not reach the studio. Try again in a moment.");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function setFiles(input, files) {
  const transfer = new DataTransfer();
  const seen = new Set();
  for (const file of files) {
    const key = `${file.name}|${file.size}|${file.lastModified}`;
    if (!seen.has(key)) transfer.items.add(file);
    seen.add(key);
  }
  input.files = transfer.files;
  kept.set(input, [...input.files]);
  showFiles(input);
}

function addFiles(input, files) {
  setFiles(input, input.multiple ? [...(kept.get(input) ?? []), ...files] : files.slice(-1));
  // A single input's file replaces a picture from the gallery attached there.
  if (!input.multiple && files.length) attachmentList(input).querySelectorAll("li.asset").forEach((li) => li.remove());
  const more = input.closest("details");
  if (more) more.open = true;
}

// Picking through the dialog adds to what is attached, as dropping does.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!input.matches("#create input[type=file]")) return;
  addFiles(input, [...input.files]);
});

function setMode(form, mode) {
  const select = form.querySelector("#id_mode");
  if (select && select.value !== mode) {
    select.value = mode;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

// Where a dropped or pasted file goes: the references of an image; in a video,
// the input the chosen mode uses (a clip switches to editing it, an image on
// a text-only video to animating it).
function inputFor(form, file) {
  const mode = form.querySelector("#id_mode")?.value;
  if (!mode) return isImage(file) ? form.querySelector("#id_references") : null;
  if (isClip(file)) {
    if (mode !== "video" && mode !== "extend") setMode(form, "video");
    return form.querySelector("#id_video");
  }
  if (!isImage(file)) return null;
  if (mode === "reference") return form.querySelector("#id_references");
  if (mode === "text") setMode(form, "image");
  if (mode === "video" || mode === "extend") return null;
  return form.querySelector("#id_image");
}

function attach(form, files) {
  const refused = [];
  const byInput = new Map();
  for (const file of files) {
    const input = inputFor(form, file);
    if (!input) { refused.push(file.name || "that file"); continue; }
    byInput.set(input, [...(byInput.get(input) ?? []), file]);
  }
  for (const [input, chosen] of byInput) addFiles(input, chosen);
  if (refused.length) announce(`Not attached: ${refused.join(", ")}. This form takes ${form.querySelector("#id_mode") ? "the image or clip its mode uses" : "PNG, JPEG or WebP images"}.`);
  else if (files.length) announce(`Attached ${files.length} file${files.length === 1 ? "" : "s"}.`);
}

// A gallery item, by id, goes where a dropped file of its kind would: a picture into a
// hidden `reference_assets` input among the references or a video's starting picture
// (`image_asset`); a clip becomes a video's source clip (`video_asset`), switching an
// image or text video to editing it. Each is shown with its thumbnail and a Remove button.
function attachAsset(form, id, thumb, kind = "image") {
  const clip = kind === "video";
  const input = inputFor(form, { type: clip ? "video/mp4" : "image/", name: "" });
  if (!input) {
    announce(clip ? "Not attached: an image is made from pictures; switch to Video to start from a clip."
      : "Not attached: this mode starts from a clip, not a picture.");
    return;
  }
  const name = { id_image: "image_asset", id_video: "video_asset" }[input.id] ?? "reference_assets";
  const single = name !== "reference_assets";
  if (form.querySelector(`input[name="${name}"][value="${CSS.escape(id)}"]`)) return;
  const list = attachmentList(input);
  if (single) {  // one starting picture or clip: it replaces a file or an earlier one
    setFiles(input, []);
    list.querySelectorAll("li.asset").forEach((li) => li.remove());
  }
  const hidden = Object.assign(document.createElement("input"), { type: "hidden", name, value: id });
  const preview = Object.assign(document.createElement("img"), { src: thumb, alt: "" });
  const item = attachmentItem(clip ? "Clip from your gallery" : "Picture from your gallery", preview, () => item.remove());
  item.classList.add("asset");
  item.append(hidden);
  list.prepend(item);
  const more = input.closest("details");
  if (more) more.open = true;
  const role = { image_asset: "the starting image", video_asset: "the source clip" }[name] ?? "a reference";
  announce(`Attached a ${clip ? "clip" : "picture"} from your gallery as ${role}.`);
}

// A card's picture, or a video card's Open link (a player itself is not dragged: its
// controls take the pointer), carries the item's id, kind and thumbnail.
document.addEventListener("dragstart", (event) => {
  const tile = event.target.closest?.(".card figure.tile[data-asset-id]");
  if (!tile) return;
  const img = tile.querySelector("img");
  const video = tile.querySelector("video");
  const thumb = img ? img.currentSrc || img.src : video?.poster;
  if (!thumb) return;
  const kind = video ? "video" : "image";
  event.dataTransfer.setData(ASSET_TYPE, JSON.stringify({ id: tile.dataset.assetId, thumb, kind }));
  event.dataTransfer.effectAllowed = "copyLink";
});

const carriesSomething = (event) => {
  const types = [...(event.dataTransfer?.types ?? [])];
  return types.includes("Files") || types.includes(ASSET_TYPE);
};

for (const type of ["dragenter", "dragover"]) {
  document.addEventListener(type, (event) => {
    const form = event.target.closest?.("#create");
    if (!form || !carriesSomething(event)) return;
    event.preventDefault();  // this is a drop target
    event.dataTransfer.dropEffect = "copy";
    form.classList.add("dropping");
  });
}
document.addEventListener("dragleave", (event) => {
  const form = event.target.closest?.("#create");
  if (form && !form.contains(event.relatedTarget)) form.classList.remove("dropping");
});
document.addEventListener("drop", (event) => {
  const form = event.target.closest?.("#create");
  if (!form || !carriesSomething(event)) return;
  event.preventDefault();
  form.classList.remove("dropping");
  const asset = event.dataTransfer.getData(ASSET_TYPE);
  if (asset) {
    const { id, thumb, kind } = JSON.parse(asset);
    attachAsset(form, id, thumb, kind);
  } else {
    attach(form, [...event.dataTransfer.files]);
  }
});

// Pasting an image (a screenshot, a copied picture) into the form attaches it;
// text pasted into a text box stays text.
document.addEventListener("paste", (event) => {
  const form = document.getElementById("create");
  if (!form || !(event.target === document.body || form.contains(event.target))) return;
  const files = [...(event.clipboardData?.files ?? [])];
  if (!files.length) return;
  if (event.target.matches("textarea, input") && event.clipboardData.types.includes("text/plain")) return;
  event.preventDefault();
  attach(form, files);
});

// A form the server refused comes back without its files (no page can refill a
// file input): put back what was attached, so nothing has to be chosen again.
// The Image / Video switch carries them across too, each where the other kind
// takes it: references stay references (a video then makes one from them), a
// video's starting image becomes a reference, a source clip has no place in an image.
// The switch and a preset keep the prompt typed so far the same way, in the page: in the
// address, a long one would pass the length a server takes for a request line.
let attachedBeforeSwap = null;
let promptBeforeSwap = null;
let switchingKind = false;
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target?.id !== "create") return;
  const from = event.detail.requestConfig?.elt ?? event.detail.elt;
  switchingKind = Boolean(from?.closest?.("nav.kinds"));
  const keepsPrompt = switchingKind || Boolean(from?.closest?.(".preset-bar a.chip"));
  promptBeforeSwap = keepsPrompt ? event.detail.target.querySelector("[name=prompt]")?.value ?? null : null;
  attachedBeforeSwap = new Map();
  for (const input of event.detail.target.querySelectorAll("input[type=file]")) {
    if (input.files.length) attachedBeforeSwap.set(input.name, [...input.files]);
  }
});

function carriedOver(form, saved) {
  const video = Boolean(form.querySelector("#id_mode"));
  const moved = new Map();
  for (const [name, files] of saved) {
    const to = video ? name : { image: "references", references: "references" }[name];
    if (to) moved.set(to, [...(moved.get(to) ?? []), ...files]);
  }
  if (video && moved.has("references")) setMode(form, "reference");
  return moved;
}

document.addEventListener("htmx:load", (event) => {
  const form = event.detail.elt.id === "create" ? event.detail.elt : null;
  if (!form) return;
  const prompt = form.querySelector("[name=prompt]");
  if (promptBeforeSwap && prompt && !prompt.value) {
    prompt.value = promptBeforeSwap;
    prompt.dispatchEvent(new Event("input", { bubbles: true })); // the length count follows
  }
  promptBeforeSwap = null;
  let saved = attachedBeforeSwap;
  attachedBeforeSwap = null;
  if (!saved) return;
  if (switchingKind) saved = carriedOver(form, saved);
  else if (!form.querySelector(".error, .errors")) return;
  for (const [name, files] of saved) {
    const input = form.querySelector(`input[type=file][name="${CSS.escape(name)}"]`);
    if (!input) continue;
    setFiles(input, files);
    const more = input.closest("details");
    if (more) more.open = true;
  }
});

// A gallery picture the server put in the form (Animate, Extend, Use as reference, or
// carried across the Image / Video switch) comes off in place, like a dropped file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("#create [data-remove-attachment]");
  if (!button) return;
  const item = button.closest("li");
  const list = item.parentElement;
  item.remove();
  // "References (2)" counts what the server attached: keep it true.
  const summary = list.closest("details")?.querySelector(":scope > summary");
  if (summary) {
    const left = list.querySelectorAll("li").length;
    summary.textContent = summary.textContent.replace(/\s*\(\d+\)$/, left ? ` (${left})` : "");
  }
  announce("Removed.");
  (list.querySelector("button.remove") ?? list.closest(".field")?.querySelector("input[type=file]"))?.focus();
});

// Say where files can go, once the script that takes them is here.
document.addEventListener("htmx:load", (event) => {
  const form = event.detail.elt.querySelector?.("#create") ?? (event.detail.elt.id === "create" ? event.detail.elt : null);
  if (!form || form.querySelector(".drop-hint")) return;
  const hint = Object.assign(document.createElement("p"), { className: "hint drop-hint" });
  hint.textContent = form.querySelector("#id_mode")
    ? "Tip: drop an image or an MP4 clip anywhere on this form, or paste one."
    : "Tip: drop images anywhere on this form, paste one, or drag a picture from your gallery.";
  (form.querySelector(".advanced-body") ?? form).append(hint);
});

// --- Prompt help: a suggestion goes into the prompt only when the person says so. ---------------
// "Use" fills the Prompt box with the suggestion as it now reads (it may have been edited) and
// closes the viewer it came from; without a Prompt box on the page, it posts the suggestion to the
// studio, never in the address. "Discard" removes the suggestion and leaves the prompt as it was.
// A suggestion is no form of its own (it may sit inside the create form), so nothing here may let a
// click through: it would send the create form.
function postSuggestion(suggestion, text) {
  const form = Object.assign(document.createElement("form"), { method: "post", action: suggestion.dataset.useUrl ?? suggestion.action });
  const token = JSON.parse(document.body.getAttribute("hx-headers") ?? "{}")["x-csrftoken"] ?? "";
  for (const [name, value] of [["csrfmiddlewaretoken", token], ["suggestion", text]]) {
    form.append(Object.assign(document.createElement("input"), { type: "hidden", name, value }));
  }
  document.body.append(form);
  form.submit();
}

document.addEventListener("click", (event) => {
  const use = event.target.closest("[data-use-suggestion]");
  const discard = event.target.closest("[data-discard-help]");
  if (use) {
    event.preventDefault();
    const suggestion = use.closest("[data-suggestion]");
    const text = suggestion?.querySelector("[data-suggestion-text]")?.value.trim();
    if (text === undefined) return;
    const prompt = document.querySelector("#create textarea[name=prompt]");
    if (!prompt) {
      postSuggestion(suggestion, text);
      return;
    }
    prompt.value = text;
    prompt.dispatchEvent(new Event("input", { bubbles: true })); // the length count follows
    const dialog = use.closest("dialog");
    if (dialog && dialog.open) dialog.close();
    use.closest("[data-help]")?.remove();
    prompt.focus();
  } else if (discard) {
    discard.closest("[data-help]")?.remove();
  }
});

// --- Options the chosen model and mode allow. ------------------------------------------------
// The resolution select says, per model and mode, what it may be (`data-offered`, from the model
// table): 1080p only where the model makes it. A choice no longer offered falls back to the first
// one that is. Modes without an entry (editing, extending) keep the clip's resolution.
function fitResolutions(form) {
  const select = form.querySelector("#id_resolution[data-offered]");
  if (!select) return;
  const offered = JSON.parse(select.dataset.offered);
  const model = form.querySelector("#id_model")?.value;
  const mode = form.querySelector("#id_mode")?.value;
  const allowed = offered[model]?.[mode];
  for (const option of select.options) option.disabled = Boolean(allowed) && !allowed.includes(option.value);
  if (select.selectedOptions[0]?.disabled) {
    select.value = [...select.options].find((option) => !option.disabled)?.value ?? "";
    announce(`Resolution set to ${select.value}: the chosen model and mode do not make the one chosen before.`);
  }
}

document.addEventListener("change", (event) => {
  const form = event.target.closest?.("#create");
  if (form && event.target.matches("#id_model, #id_mode")) fitResolutions(form);
});
document.addEventListener("htmx:load", (event) => {
  const form = event.detail.elt.id === "create" ? event.detail.elt : event.detail.elt.querySelector?.("#create");
  if (form) fitResolutions(form);
});

// --- Keyframe rows: an upload, or a picture dropped from the gallery. ----------------------------
// A gallery picture goes as its id, in a hidden `keyframe_<n>_asset` inside its item, as the server
// renders it when the form comes back; a file picked instead takes its place (addFiles). Either
// way the row shows what it holds, with a Remove button.
function keyframeAsset(row, id, thumb) {
  const input = row.querySelector("input[type=file]");
  setFiles(input, []);
  const list = attachmentList(input);
  list.querySelectorAll("li.asset").forEach((li) => li.remove());
  // Named as the server names a row it renders (_attached.html).
  const preview = Object.assign(document.createElement("img"), { src: thumb, alt: `Keyframe ${row.dataset.keyframe}` });
  const item = attachmentItem("From your gallery", preview, () => item.remove(), `Remove keyframe ${row.dataset.keyframe}`);
  item.classList.add("asset");
  const name = `keyframe_${row.dataset.keyframe}_asset`;
  item.append(Object.assign(document.createElement("input"), { type: "hidden", name, value: id }));
  list.prepend(item);
  announce(`Keyframe ${row.dataset.keyframe}: attached a picture from your gallery.`);
}

// Before the form's own drop handler: a drop on a keyframe row fills that row.
document.addEventListener("drop", (event) => {
  const row = event.target.closest?.("#create .keyframe");
  if (!row || !carriesSomething(event)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  row.closest("#create").classList.remove("dropping");
  const asset = event.dataTransfer.getData(ASSET_TYPE);
  if (asset) {
    const { id, thumb, kind } = JSON.parse(asset);
    if (kind === "video") announce("Not attached: a keyframe is a picture, not a clip.");
    else keyframeAsset(row, id, thumb);
    return;
  }
  const image = [...event.dataTransfer.files].find(isImage);
  if (image) addFiles(row.querySelector("input[type=file]"), [image]);
  else announce("Not attached: a keyframe is a PNG, JPEG or WebP picture.");
}, true);
