"""The baseline for the page-view bench: a bare Flask route returning a fixed ~5 KB HTML page."""

from flask import Flask

_PARAGRAPH = (
    "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</p>\n"
)
_HEAD = "<!doctype html>\n<html><head><title>Bare</title></head><body><main>\n"
_TAIL = "</main></body></html>\n"
PAGE = _HEAD + _PARAGRAPH * ((5 * 1024 - len(_HEAD) - len(_TAIL)) // len(_PARAGRAPH)) + _TAIL

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return PAGE
