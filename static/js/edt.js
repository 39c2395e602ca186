/* Business plan (issue 5): ask before removing a note. The page works the same without it. */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[value^='remove-']");
  var list = button && button.closest("[data-confirm]");
  if (list && !window.confirm(list.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
