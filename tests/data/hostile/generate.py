"""Write the hostile-file corpus of this folder (and corpus.json, what each must come to).

    .venv/bin/python tests/data/hostile/generate.py

Each file is built here from the idea's description, not copied; SOURCES.md names where each
idea comes from. The upload tests (tests/test_attachments_hostile.py and the browser test)
read the files and corpus.json; run this again only to change the corpus.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats'
    b'.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body>'
    b"</w:document>"
)
SCRIPT = b"<script>alert(document.domain)</script>"


def docx(extra: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", DOCUMENT)
        for name, data in extra.items():
            archive.writestr(name, data)
    return out.getvalue()


def png(width: int = 32, height: int = 32, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def pixel_flood() -> bytes:
    """A 1-bit PNG of 20,000 × 20,000 zero pixels: about 50 KB on disk, 400 megapixels."""
    width = height = 20_000
    row = b"\x00" + b"\x00" * (width // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def gif_javascript_polyglot() -> bytes:
    """GIF89a, then a logical screen width of 0x2F2A ("/*"): the header opens a JavaScript
    comment that a comment extension closes, so `<script src=x.gif>` runs alert()."""
    header = b"GIF89a" + b"/*" + b"\x01\x00" + b"\x00\x00\x00"
    comment = b"*/=1;alert(document.domain);/*"
    extension = b"\x21\xfe" + bytes([len(comment)]) + comment + b"\x00"
    image = b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00" + b"\x02\x02\x44\x01\x00"
    return header + extension + image + b"\x3b" + b"*/"


def jpeg_with_comment(comment: bytes) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, "JPEG", comment=comment)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "HostileCam"
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 22.0, 7.5), 3: "E", 4: (4.0, 53.0, 12.0)})
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 200, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "just a zip")
    return out.getvalue()


PDF_WITH_JAVASCRIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"3 0 obj<</S/JavaScript/JS(app.alert\\('pdf'\\))>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# (file name, bytes, what must happen, words the refusal must contain or the way it is served)
CORPUS = [
    ("html-named.png", b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>",
     "refused", "HTML, SVG or XML"),
    ("svg-with-script.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
     + SCRIPT + b"</svg>", "refused", "HTML, SVG or XML"),
    ("svg-named.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
     + SCRIPT + b"</svg>", "refused", "HTML, SVG or XML"),
    ("xhtml-script.txt", b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/'
     b'xhtml">alert(1)</x:script>', "refused", "HTML, SVG or XML"),
    ("notes-with-script.txt", b"Meeting notes\n\n" + SCRIPT + b"\n", "refused", "HTML, SVG or XML"),
    ("gif-javascript-polyglot.gif", gif_javascript_polyglot(), "refused", "read as JavaScript"),
    ("png-with-html-after-it.png", png() + b"<html>" + SCRIPT + b"</html>",
     "refused", "after its end"),
    ("jpeg-comment-script.jpg", jpeg_with_comment(b"*/=alert(1)/*" + SCRIPT),
     "refused", "comment holds script"),
    ("pixel-flood.png", pixel_flood(), "refused", "million pixels"),
    ("zip-bomb.docx", docx({"word/media/zeros.bin": b"\x00" * (50 * 1024 * 1024)}),
     "refused", "zip bomb"),
    ("macro.docx", docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 64}),
     "refused", "macros"),
    ("zip-named.docx", plain_zip(), "refused", "not a Word"),
    ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 8,
     "refused", "cannot tell what"),
    ("empty.png", b"", "refused", "is empty"),
    ("gps-photo.jpg", jpeg_with_gps(), "inline", "image/jpeg"),
    ("javascript.pdf", PDF_WITH_JAVASCRIPT, "attachment", "application/pdf"),
    ("html-after-pdf-header.pdf", b"%PDF-1.4\n<html><body>" + SCRIPT + b"</body></html>\n",
     "attachment", "application/pdf"),
    ("formulas.csv", b'name,amount\n=HYPERLINK("http://attacker.invalid","x"),1\n'
     b"@SUM(1+1)*cmd|' /C calc'!A0,2\n", "attachment", "text/csv"),
]  # fmt: skip


def main() -> None:
    expected = []
    for name, data, outcome, detail in CORPUS:
        (HERE / name).write_bytes(data)
        expected.append({"file": name, "outcome": outcome, "detail": detail})
    (HERE / "corpus.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"wrote {len(expected)} files to {HERE}")


if __name__ == "__main__":
    main()
