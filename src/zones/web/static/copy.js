// "Copy link" buttons for read-only fields: <button data-copy="field-id" data-copied="…"
// data-copy-failed="…" hidden>. Without this script the buttons stay hidden and the fields stay
// selectable text; with it, a click copies the field and says so in the page's status region.
"use strict";

function say(text) {
  const status = document.getElementById("status");
  if (!status) return;
  const line = document.createElement("p");
  line.textContent = text;
  status.replaceChildren(line);
  status.classList.add("status-shown");
}

async function copyField(button, field) {
  try {
    await navigator.clipboard.writeText(field.value);
    say(button.dataset.copied);
  } catch {
    // No clipboard (an http page, or the browser refused): select the text for the person to copy.
    field.focus();
    field.select();
    say(button.dataset.copyFailed);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    button.hidden = false;
    button.addEventListener("click", () => copyField(button, field));
  }
});
