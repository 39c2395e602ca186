/* Business plan (issue 5): ask before removing a note. The page works the same without it. */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[value^='remove-']");
  var list = button && button.closest("[data-confirm]");
  if (list && !window.confirm(list.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
/* Errors in view (issue 13): landing on a #block moves focus to the page, so focus the refused
   field once the browser has scrolled there (focus also brings the field into view). */
window.addEventListener("load", function () {
  setTimeout(function () {
    var first = document.querySelector("[autofocus]");
    if (first) {
      first.focus();
    }
  }, 0);
});
