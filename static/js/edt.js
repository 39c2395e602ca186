/* Business plan (issue 5): ask before removing a note. The page works the same without it. */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[value^='remove-']");
  var list = button && button.closest("[data-confirm]");
  if (list && !window.confirm(list.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

/* Attendance (issue 4): "Mark all present" without a page reload. Without JavaScript the same
   link reloads the page with everyone not yet marked pre-set to Present; either way nothing is
   saved until Save. Rows already marked (by you or a colleague) are left as they are. */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-mark-all]");
  var form = document.getElementById("attendance-form");
  if (!link || !form) {
    return;
  }
  event.preventDefault();
  var rows = form.querySelectorAll("[data-unmarked]");
  for (var i = 0; i < rows.length; i++) {
    if (rows[i].querySelector("input[type=radio]:checked")) {
      continue;
    }
    var present = rows[i].querySelector("input[type=radio][value=present]");
    var flag = rows[i].querySelector("[data-prefill]");
    if (present && !present.disabled) {
      present.checked = true;
      if (flag) {
        flag.value = "1";
      }
    }
  }
  link.hidden = true;
  var note = document.createElement("p");
  note.className = "flash";
  note.id = "prefill-note";
  note.setAttribute("role", "status");
  note.tabIndex = -1;
  note.textContent = link.getAttribute("data-note") || "";
  if (note.textContent) {
    link.parentNode.parentNode.insertBefore(note, link.parentNode.nextSibling);
    note.focus();  // the link is hidden now: focus goes to what it did, not to the page body
  }
});
