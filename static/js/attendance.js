/* Attendance: "Mark all present" without a page reload. Without JavaScript the same link
   reloads the page with everyone not yet marked pre-set to Present; either way nothing is saved
   until Save. Rows already marked (by you or a colleague) are left as they are. The counter next
   to Save says what Save will save, here kept up to date as marks are tapped. */
function edtTally(form) {
  var tally = document.getElementById("tally");
  if (!tally || !form) {
    return;
  }
  var counts = {present: 0, late: 0, excused: 0, absent: 0, none: 0};
  var rows = form.querySelectorAll(".roll-row");
  for (var i = 0; i < rows.length; i++) {
    var checked = rows[i].querySelector("input[type=radio]:checked");
    var key = checked && counts.hasOwnProperty(checked.value) ? checked.value : "none";
    counts[key] += 1;
  }
  var spans = tally.querySelectorAll("[data-count]");
  for (var j = 0; j < spans.length; j++) {
    var name = spans[j].getAttribute("data-count");
    var text = spans[j].textContent;
    if (name === "none") {
      var pattern = tally.getAttribute("data-unmarked-text") || "";
      text = pattern.replace(/999|\u09ef\u09ef\u09ef/, String(counts.none));
    } else {
      text = text.replace(/[0-9\u09e6-\u09ef]+$/, String(counts[name]));
    }
    spans[j].textContent = text;
  }
}

document.addEventListener("change", function (event) {
  var form = event.target.closest && event.target.closest("#attendance-form");
  if (form && event.target.type === "radio") {
    edtTally(form);
  }
});

document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-mark-all]");
  var form = document.getElementById("attendance-form");
  if (!link || !form) {
    return;
  }
  event.preventDefault();
  var first = null;
  var rows = form.querySelectorAll("[data-unmarked]");
  for (var i = 0; i < rows.length; i++) {
    if (rows[i].querySelector("input[type=radio]:checked")) {
      continue;
    }
    var present = rows[i].querySelector("input[type=radio][value=present]");
    var flag = rows[i].querySelector("[data-prefill]");
    if (present && !present.disabled) {
      present.checked = true;
      first = first || present;
      if (flag) {
        flag.value = "1";
      }
    }
  }
  edtTally(form);
  link.hidden = true;
  var note = document.getElementById("prefill-note");
  if (note) {
    note.textContent = note.getAttribute("data-note") || "";  /* role="status": read out */
  }
  /* The link is gone: focus the first person just set, to change the few who are not present. */
  if (first) {
    first.focus();
  } else if (note) {
    note.focus();
  }
});
