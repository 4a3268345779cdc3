"""Helpers shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Dialog, Page


def record_dialogs(page: Page) -> list[str]:
    """Dismiss and record every JS dialog (alert, confirm, prompt) the page opens."""
    dialogs: list[str] = []

    def _on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", _on_dialog)
    return dialogs


# The page editor (editor.js) hides the form's textarea behind EasyMDE and keeps it in step;
# the tests set the text through the editor, as typing would, and read it from the textarea.
SET_EDITOR_TEXT = """(text) => {
  const field = document.querySelector("textarea[name=body]");
  if (field.editor) field.editor.value(text); else field.value = text;
}"""


def set_editor_text(page: Page, text: str) -> None:
    page.evaluate(SET_EDITOR_TEXT, text)


def editor_text(page: Page):
    """The form's own textarea, which always holds what the editor shows."""
    return page.locator("textarea[name=body]")
