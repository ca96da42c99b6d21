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
