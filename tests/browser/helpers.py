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
