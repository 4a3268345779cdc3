// The page editor, on top of the plain form (which works without this file): EasyMDE with a
// toolbar and keys, a live preview rendered by the server, drafts kept on the server while
// typing, files pasted or dropped where the cursor is, Ctrl/Cmd+S to save, and a question
// before leaving with unsaved changes.
"use strict";

(() => {
  const form = document.querySelector("form.editor[data-preview-url]");
  const textarea = form && form.querySelector("textarea[name=body]");
  if (!textarea || typeof window.EasyMDE !== "function") return;

  const EasyMDE = window.EasyMDE;
  const token = form.querySelector("input[name=csrf_token]")?.value || "";
  const status = form.querySelector(".editor-status");
  const previewPane = document.getElementById("editor-preview");
  const previewBody = previewPane.querySelector(".prose");
  const titleField = form.querySelector("input[name=title]");
  const baseField = form.querySelector("input[name=base_revision]");
  const maxBytes = Number(form.dataset.maxBytes);
  const PREVIEW_DELAY = 300;
  const DRAFT_DELAY = 2000;

  // What every request of the editor carries: the CSRF token and the page (or new page's
  // process, and the question a new page is made from: its draft is kept apart).
  const formFor = (fields) => {
    const data = new FormData();
    data.append("csrf_token", token);
    data.append(form.dataset.subjectField, form.dataset.subject);
    if (form.dataset.question) data.append("question", form.dataset.question);
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    return data;
  };
  const postJSON = (url, fields) =>
    fetch(url, {
      method: "POST",
      body: formFor(fields),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
  const say = (message) => {
    status.textContent = message;
  };

  // ---- Inserting text where the cursor is ----------------------------------------------
  let mde = null;
  const insertBlock = (snippet) => {
    // On a line of its own: a file's reference pasted mid-paragraph would join that paragraph.
    const cm = mde.codemirror;
    const from = cm.getCursor("from");
    const to = cm.getCursor("to");
    const before = cm.getLine(from.line).slice(0, from.ch);
    const after = cm.getLine(to.line).slice(to.ch);
    const text = (before.trim() ? "\n\n" : "") + snippet + (after.trim() ? "\n\n" : "\n");
    cm.replaceRange(text, from, to);
    cm.focus();
  };
  const insertInline = (snippet) => {
    mde.codemirror.replaceSelection(snippet);
    mde.codemirror.focus();
  };

  // ---- Files -----------------------------------------------------------------------------
  const nameOf = (file) => {
    // Every browser calls a pasted screenshot "image.png": a name of its own keeps one paste
    // from becoming a new version of the last.
    if (file.name && file.name !== "image.png") return file.name;
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    const extension = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
    return `screenshot-${stamp}.${extension}`;
  };
  const progress = document.createElement("progress");
  progress.className = "editor-progress";
  progress.max = 100;
  progress.hidden = true;
  progress.setAttribute("aria-label", "Upload progress");
  status.before(progress);

  const upload = (file) =>
    new Promise((resolve) => {
      const name = nameOf(file);
      if (file.size > maxBytes) {
        say(`“${name}” was not uploaded: files may be at most ${Math.round(maxBytes / 1048576)} MB.`);
        resolve();
        return;
      }
      const data = formFor({});
      data.append("file", file, name);
      const request = new XMLHttpRequest();
      request.open("POST", form.dataset.uploadUrl);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
      });
      request.addEventListener("load", () => {
        progress.hidden = true;
        let answer = {};
        try {
          answer = JSON.parse(request.responseText);
        } catch (error) {
          answer = { message: `“${name}” could not be uploaded (the server said ${request.status}).` };
        }
        if (request.status >= 200 && request.status < 300) {
          insertBlock(answer.markdown);
          say(`Uploaded “${answer.name}”.`);
        } else {
          say(`“${name}” was not uploaded: ${answer.message || "the server refused it."}`);
        }
        resolve();
      });
      request.addEventListener("error", () => {
        progress.hidden = true;
        say(`“${name}” could not be uploaded: the connection failed. Your text is kept.`);
        resolve();
      });
      progress.value = 0;
      progress.hidden = false;
      say(`Uploading “${name}”…`);
      request.send(data);
    });
  const uploadAll = async (files) => {
    for (const file of files) await upload(file);
  };
  const filePicker = document.createElement("input");
  filePicker.type = "file";
  filePicker.multiple = true;
  filePicker.hidden = true;
  filePicker.addEventListener("change", () => {
    uploadAll([...filePicker.files]);
    filePicker.value = "";
  });
  form.append(filePicker);

  // ---- The page picker: titles as you type, inserting [[...]] ---------------------------
  const picker = document.createElement("dialog");
  picker.className = "page-picker";
  picker.setAttribute("aria-labelledby", "page-picker-heading");
  picker.innerHTML = `
    <h2 id="page-picker-heading"></h2>
    <label for="page-picker-input" class="picker-label"></label>
    <input id="page-picker-input" type="search" autocomplete="off">
    <ul class="picker-results" aria-label="Matches"></ul>
    <p class="picker-status" role="status" aria-live="polite"></p>
    <button type="button" class="button picker-close">Close</button>`;
  document.body.append(picker);
  const pickerInput = picker.querySelector("input");
  const pickerList = picker.querySelector("ul");
  const pickerStatus = picker.querySelector(".picker-status");
  let pickerMode = "page";
  let pickerTimer = null;
  let asked = "";

  const choose = (snippet) => {
    picker.close();
    insertInline(snippet);
  };
  const showChoices = (choices) => {
    pickerList.replaceChildren();
    for (const choice of choices) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "picker-choice";
      button.textContent = choice.label;
      button.addEventListener("click", () => choose(choice.insert));
      item.append(button);
      if (choice.detail) {
        const detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = ` ${choice.detail}`;
        item.append(detail);
      }
      pickerList.append(item);
    }
    pickerStatus.textContent = choices.length
      ? `${choices.length} match${choices.length === 1 ? "" : "es"}`
      : pickerInput.value.trim() ? "Nothing matches." : "";
  };

  // Headings of the text being written, with the anchors the page will give them.
  const slug = (text) =>
    text
      .normalize("NFKD")
      .replace(/[^\x00-\x7F]/g, "")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .toLowerCase()
      .replace(/[-\s]+/g, "-");
  const headingsOf = (text) => {
    const found = [];
    let fenced = false;
    for (const line of text.split("\n")) {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      const match = !fenced && /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
      if (match) found.push(match[2]);
    }
    return found;
  };

  const lookUp = async () => {
    const text = pickerInput.value.trim();
    if (pickerMode === "heading") {
      const wanted = text.toLowerCase();
      showChoices(
        headingsOf(mde.value())
          .filter((heading) => heading.toLowerCase().includes(wanted))
          .map((heading) => ({ label: heading, insert: `[${heading}](#${slug(heading)})` })),
      );
      return;
    }
    if (text === asked) return;
    asked = text;
    if (!text) {
      showChoices([]);
      return;
    }
    const url = `${form.dataset.titlesUrl}?q=${encodeURIComponent(text)}&process=${encodeURIComponent(form.dataset.process)}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok && pickerInput.value.trim() === text) {
        const { results } = await response.json();
        showChoices(
          results.map((result) => ({ label: result.title, detail: result.process, insert: result.link })),
        );
      }
    } catch (error) {
      pickerStatus.textContent = "The titles could not be fetched; type the link as [[Page title]].";
    }
  };
  pickerInput.addEventListener("input", () => {
    clearTimeout(pickerTimer);
    pickerTimer = setTimeout(lookUp, 120);
  });
  pickerInput.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      pickerList.querySelector("button")?.focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
      pickerList.querySelector("button")?.click();
    }
  });
  pickerList.addEventListener("keydown", (event) => {
    const buttons = [...pickerList.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < buttons.length - 1) {
      event.preventDefault();
      buttons[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? buttons[at - 1] : pickerInput).focus();
    }
  });
  picker.querySelector(".picker-close").addEventListener("click", () => picker.close());
  picker.addEventListener("close", () => mde.codemirror.focus());

  const openPicker = (mode) => {
    pickerMode = mode;
    asked = "";
    picker.querySelector("h2").textContent = mode === "page" ? "Link to a page" : "Link to a heading";
    picker.querySelector("label").textContent =
      mode === "page" ? "Page title (a few letters are enough)" : "Heading of this page";
    pickerInput.value = mode === "page" ? mde.codemirror.getSelection() : "";
    showChoices([]);
    picker.showModal();
    pickerInput.focus();
    if (pickerInput.value || mode === "heading") lookUp();
  };

  // ---- The editor itself -------------------------------------------------------------------
  const item = (name, text, title, action) => ({ name, text, title, action, className: "editor-tool" });
  mde = new EasyMDE({
    element: textarea,
    forceSync: true, // the form's own textarea always holds the text, so saving needs no script
    spellChecker: false, // its dictionaries would come from a CDN; the browser's own is used
    nativeSpellcheck: true,
    autoDownloadFontAwesome: false, // no CDN: the buttons carry words
    status: false,
    minHeight: "22rem",
    tabSize: 4, // Python-Markdown nests a list four spaces in
    indentWithTabs: false,
    promptURLs: false,
    blockStyles: { italic: "_" },
    shortcuts: {
      drawLink: null,
      "page-link": "Cmd-K",
      togglePreview: null,
      toggleSideBySide: null,
      toggleFullScreen: null,
      toggleHeadingSmaller: null,
    },
    toolbar: [
      item("heading-2", "H2", "Heading", EasyMDE.toggleHeading2),
      item("heading-3", "H3", "Subheading", EasyMDE.toggleHeading3),
      "|",
      item("bold", "B", "Bold", EasyMDE.toggleBold),
      item("italic", "I", "Italic", EasyMDE.toggleItalic),
      "|",
      item("unordered-list", "• List", "Bulleted list", EasyMDE.toggleUnorderedList),
      item("ordered-list", "1. List", "Numbered list", EasyMDE.toggleOrderedList),
      item("checklist", "☐ Tasks", "Checklist", EasyMDE.toggleCheckList),
      item("quote", "“ Quote", "Quote", EasyMDE.toggleBlockquote),
      item("code", "Code", "Code", EasyMDE.toggleCodeBlock),
      item("table", "Table", "Table", EasyMDE.drawTable),
      "|",
      item("page-link", "[[Page]]", "Link to a page", () => openPicker("page")),
      item("heading-link", "# Link", "Link to a heading", () => openPicker("heading")),
      item("web-link", "Web link", "Web link", EasyMDE.drawLink),
      item("file", "Image or file", "Image or file", () => filePicker.click()),
      "|",
      item("undo", "Undo", "Undo", EasyMDE.undo),
      item("redo", "Redo", "Redo", EasyMDE.redo),
    ],
  });
  const cm = mde.codemirror;
  form.dataset.enhanced = "1"; // wiki.js leaves paste and drop to this editor
  textarea.editor = mde; // for the browser tests, and anyone scripting the page

  // The toolbar is reachable by keyboard, and the text keeps the field's label.
  const toolbar = form.querySelector(".editor-toolbar");
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Formatting");
  for (const button of toolbar.querySelectorAll("button")) button.tabIndex = 0;
  const label = textarea.labels?.[0];
  if (label) {
    label.id = label.id || `${textarea.id}-label`;
    cm.getInputField().setAttribute("aria-labelledby", label.id);
    label.addEventListener("click", () => cm.focus());
  }
  const hint = textarea.getAttribute("aria-describedby");
  if (hint) cm.getInputField().setAttribute("aria-describedby", hint);

  // ---- Live preview, following the cursor's section -------------------------------------------
  const panes = form.querySelector(".editor-panes");
  previewPane.hidden = false;
  const noScriptPreview = form.querySelector("button[name=action][value=preview]");
  if (noScriptPreview) noScriptPreview.hidden = true;
  const tabs = document.createElement("div");
  tabs.className = "editor-tabs";
  tabs.setAttribute("role", "group");
  tabs.setAttribute("aria-label", "Show");
  for (const [value, text] of [["write", "Write"], ["preview", "Preview"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small";
    button.dataset.tab = value;
    button.textContent = text;
    button.setAttribute("aria-pressed", String(value === "write"));
    button.addEventListener("click", () => {
      panes.dataset.tab = value;
      for (const other of tabs.querySelectorAll("button")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      if (value === "write") cm.refresh();
    });
    tabs.append(button);
  }
  panes.dataset.tab = "write";
  panes.before(tabs);

  let previewTimer = null;
  let previewAsked = 0;
  const followCursor = () => {
    const upToCursor = cm.getRange({ line: 0, ch: 0 }, { line: cm.getCursor().line + 1, ch: 0 });
    const index = headingsOf(upToCursor).length - 1;
    const heading = previewBody.querySelectorAll("h1, h2, h3, h4, h5, h6")[index];
    previewPane.scrollTop = heading ? heading.offsetTop - previewPane.offsetTop : 0;
  };
  const refreshPreview = async () => {
    const asking = ++previewAsked;
    try {
      const response = await postJSON(form.dataset.previewUrl, { body: mde.value() });
      if (!response.ok || asking !== previewAsked) return;
      previewBody.innerHTML = (await response.json()).html; // rendered and sanitised as the page is
      followCursor();
    } catch (error) {
      // The preview is a convenience; the text is untouched.
    }
  };
  refreshPreview();

  // ---- Drafts, and the question before leaving ---------------------------------------------
  let dirty = false;
  let draftTimer = null;
  const saveDraft = async () => {
    try {
      const response = await postJSON(form.dataset.draftUrl, {
        title: titleField ? titleField.value : "",
        body: mde.value(),
        base_revision: baseField ? baseField.value : "",
      });
      if (response.ok) {
        const { saved_at: savedAt } = await response.json();
        const time = new Date(savedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        say(`Draft saved at ${time}. Save to publish it.`);
      }
    } catch (error) {
      say("The draft could not be kept on the server; your text is still here.");
    }
  };
  const changed = () => {
    dirty = true;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(saveDraft, DRAFT_DELAY);
  };
  cm.on("change", () => {
    changed();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY);
  });
  cm.on("cursorActivity", () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY);
  });
  titleField?.addEventListener("input", changed);

  form.addEventListener("submit", () => {
    dirty = false;
    clearTimeout(draftTimer);
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when this is set
  });

  // Ctrl/Cmd+S saves, wherever the focus is in the form (caught before CodeMirror sees it).
  document.addEventListener(
    "keydown",
    (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
        event.preventDefault();
        if (picker.open) return;
        mde.codemirror.save();
        form.requestSubmit(form.querySelector("button[name=action][value=save]"));
      }
    },
    true,
  );

  // ---- Paste and drop -------------------------------------------------------------------------
  cm.on("paste", (_cm, event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length) {
      event.preventDefault();
      uploadAll(files);
    }
  });
  cm.on("drop", (_cm, event) => {
    const files = [...(event.dataTransfer?.files || [])];
    if (files.length) {
      event.preventDefault();
      if (event.clientX || event.clientY) {
        cm.setCursor(cm.coordsChar({ left: event.clientX, top: event.clientY }, "window"));
      }
      uploadAll(files);
    }
  });
})();
