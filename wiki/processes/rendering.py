"""What a page's markdown may refer to beyond wiki links: each kind of reference (a page's
files, say) is a Markdown extension made for the page being rendered, registered once at
start-up by the package that owns those things. So the page renderer never imports them, and
they may build on pages freely."""

from __future__ import annotations

from collections.abc import Callable

import markdown

from wiki.processes.models import Page

PageExtension = Callable[[Page], markdown.Extension]

_page_extensions: dict[str, PageExtension] = {}


def register_page_extension(name: str, make: PageExtension) -> None:
    """Add (or, under the same name, replace) the extension every page is rendered with."""
    _page_extensions[name] = make


def extensions_for(page: Page) -> list[markdown.Extension]:
    return [make(page) for make in _page_extensions.values()]
