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

// The phone menu: without this, "Menu" is a link that CSS answers with :target; with it, a
// toggle that says whether the menu is open.
const menuToggle = document.querySelector(".menu-toggle");
const menu = document.getElementById("site-menu");
if (menuToggle && menu) {
  menuToggle.setAttribute("role", "button");
  menuToggle.setAttribute("aria-expanded", "false");
  menu.classList.add("menu-enhanced");
  menuToggle.addEventListener("click", (event) => {
    event.preventDefault();
    const open = menu.classList.toggle("is-open");
    menuToggle.setAttribute("aria-expanded", String(open));
  });
  menuToggle.addEventListener("keydown", (event) => {
    if (event.key === " ") {
      event.preventDefault();
      menuToggle.click();
    }
  });
}

// Copy buttons (a new API token): shown only where the script runs, since copying needs it.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  if (!field) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = "Copied.";
    } catch {
      if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
}

// Page pickers: the pages whose titles start with what is typed, offered as their addresses
// (the quick-find endpoint); the field takes any address or path typed or pasted all the same.
for (const input of document.querySelectorAll("input[data-page-picker]")) {
  const list = document.getElementById(input.getAttribute("list"));
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const words = input.value.trim();
    if (words.length < 2 || words.includes("/")) return;
    timer = setTimeout(async () => {
      const response = await fetch(`${input.dataset.pagePicker}?q=${encodeURIComponent(words)}`, {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const { results } = await response.json();
      list.replaceChildren();
      for (const result of results) {
        if (!result.url.includes("/p/")) continue;
        const option = document.createElement("option");
        option.value = result.url;
        option.label = result.process ? `${result.title} (${result.process})` : result.title;
        list.append(option);
      }
    }, 200);
  });
}

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
  // Words typed while the page was still loading, before this script ran, fired no "input".
  if (document.activeElement === quickInput && quickInput.value.trim()) lookUp();
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

// Files in the editor: drop them on the text or paste a screenshot; each is uploaded to the
// page's files and its markdown goes where the cursor is. The file field and its button do
// the same without JavaScript (the reference then goes at the end).
// When the full editor (editor.js) has taken over the text, paste and drop are its own.
const editor = document.querySelector("form[data-upload-url]");
if (editor && !editor.dataset.enhanced) {
  const text = editor.querySelector("textarea[name=body]");
  const status = editor.querySelector(".upload-status");
  const maxBytes = Number(editor.dataset.maxBytes);
  const token = editor.querySelector("input[name=csrf_token]");

  const insertAtCursor = (snippet) => {
    const start = text.selectionStart;
    const end = text.selectionEnd;
    const before = text.value.slice(0, start);
    const after = text.value.slice(end);
    const gapBefore = before && !before.endsWith("\n") ? "\n" : "";
    const gapAfter = after.startsWith("\n") ? "" : "\n";
    text.value = before + gapBefore + snippet + gapAfter + after;
    const cursor = (before + gapBefore + snippet + gapAfter).length;
    text.setSelectionRange(cursor, cursor);
    text.focus();
  };

  // A pasted screenshot is called "image.png" by every browser; a name of its own keeps one
  // paste from becoming a new version of the last.
  const nameOf = (file) => {
    if (file.name && file.name !== "image.png") return file.name;
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    const extension = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
    return `screenshot-${stamp}.${extension}`;
  };

  const upload = async (file) => {
    const name = nameOf(file);
    if (file.size > maxBytes) {
      status.textContent = `“${name}” is too large: files may be at most ${Math.round(maxBytes / 1048576)} MB.`;
      return;
    }
    status.textContent = `Uploading “${name}”…`;
    const form = new FormData();
    form.append("file", file, name);
    if (token) form.append("csrf_token", token.value);
    try {
      const response = await fetch(editor.dataset.uploadUrl, {
        method: "POST",
        body: form,
        headers: { Accept: "application/json" },
      });
      const answer = await response.json();
      if (!response.ok) {
        status.textContent = answer.message;
        return;
      }
      insertAtCursor(answer.markdown);
      status.textContent = `Uploaded “${answer.name}” (version ${answer.version}).`;
    } catch (error) {
      status.textContent = `“${name}” could not be uploaded; try the file field below the text.`;
    }
  };

  const uploadAll = async (files) => {
    for (const file of files) await upload(file);
  };

  text.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length) {
      event.preventDefault();
      uploadAll(files);
    }
  });
  text.addEventListener("dragover", (event) => {
    if ([...event.dataTransfer.types].includes("Files")) event.preventDefault();
  });
  text.addEventListener("drop", (event) => {
    const files = [...event.dataTransfer.files];
    if (files.length) {
      event.preventDefault();
      uploadAll(files);
    }
  });
}

// A result opened from a search is counted for its query (search/views.py, opened): its link's
// ping says so, and so does this POST for browsers that send no pings (the server counts one
// opening a day per person, query and result, whichever arrives).
document.addEventListener("click", (event) => {
  const link = event.target.closest(".search-hit a[ping]");
  if (link && navigator.sendBeacon) {
    navigator.sendBeacon(link.getAttribute("ping"));
  }
});

// A passage selected in a page's text becomes the quote of a new comment
// (comments/_page_comments.html): a button appears under the selection's page; without
// script the quote field is filled by hand.
(() => {
  const prose = document.querySelector(".page > .prose");
  const quote = document.getElementById("comment-quote");
  if (!prose || !quote) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button-small comment-on-selection";
  button.textContent = "Comment on the selected text";
  button.hidden = true;
  prose.after(button);
  let selected = "";
  document.addEventListener("selectionchange", () => {
    const selection = document.getSelection();
    const inside =
      selection && selection.rangeCount && !selection.isCollapsed &&
      prose.contains(selection.getRangeAt(0).commonAncestorContainer);
    if (inside) selected = selection.toString().replace(/\s+/g, " ").trim().slice(0, 1000);
    button.hidden = !(inside && selected);
  });
  button.addEventListener("click", () => {
    quote.value = selected;
    document.getElementById("comment-body").focus();
  });
})();
