// Small touches htmx does not cover. The pages work without this file.
document.addEventListener("keydown", (event) => {
  // Ctrl/Cmd+Enter in the prompt submits the create form.
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.matches("#create textarea")) {
    event.preventDefault();
    event.target.form.requestSubmit();
  }
});
