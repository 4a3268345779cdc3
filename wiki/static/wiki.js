// Progressive enhancements only: every page works without this file.
"use strict";

// Ask before destructive buttons marked with data-confirm.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Select the whole invitation link on focus, ready to copy.
for (const field of document.querySelectorAll("input.copy-field")) {
  field.addEventListener("focus", () => field.select());
}
