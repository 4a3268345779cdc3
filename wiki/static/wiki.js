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

// Quick-find: titles that start with what is typed, from the JSON endpoint, as links under the
// header's search box. Enter still submits the plain search form.
const quickInput = document.querySelector("input[data-quick-find]");
if (quickInput) {
  const box = document.getElementById("quick-find");
  const list = document.getElementById("quick-find-list");
  const status = document.getElementById("quick-find-status");
  let timer = null;
  let asked = "";

  const close = () => {
    box.hidden = true;
  };

  const show = (results) => {
    list.replaceChildren();
    for (const result of results) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = result.url.startsWith("/") ? result.url : "#";
      link.textContent = result.title;
      item.append(link);
      if (result.process) {
        const trail = document.createElement("span");
        trail.className = "quick-find-trail";
        trail.textContent = result.process;
        item.append(" ", trail);
      }
      list.append(item);
    }
    status.textContent = results.length
      ? `${results.length} title${results.length === 1 ? "" : "s"} match`
      : "";
    box.hidden = results.length === 0;
  };

  const lookUp = async () => {
    const text = quickInput.value.trim();
    if (text === asked) return;
    asked = text;
    if (!text) {
      show([]);
      return;
    }
    const url = `${quickInput.dataset.quickFind}?q=${encodeURIComponent(text)}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok && quickInput.value.trim() === text) {
        show((await response.json()).results);
      }
    } catch (error) {
      close(); // quick-find is a convenience; the form still works
    }
  };

  quickInput.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 120);
  });
  quickInput.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !box.hidden) {
      event.preventDefault();
      list.querySelector("a")?.focus();
    } else if (event.key === "Escape") {
      close();
    }
  });
  list.addEventListener("keydown", (event) => {
    const links = [...list.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < links.length - 1) {
      event.preventDefault();
      links[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? links[at - 1] : quickInput).focus();
    } else if (event.key === "Escape") {
      close();
      quickInput.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".site-search")) close();
  });
}
