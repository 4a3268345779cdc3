"""Draw the demo organisation's images with Pillow and put them beside their pages.

    .venv/bin/python content/tools/draw_demo_images.py

Writes three PNGs into the `.files` folders of their pages (a process diagram of
procure-to-pay and two annotated mock-ups of ERP screens), each already in the form the wiki
stores it (through the upload's own checks), and lists it with its SHA-256 in the page's front
matter. Running it again writes the same files.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

CONTENT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CONTENT.parent))

from wiki.attachments.intake import prepare_file  # noqa: E402
from wiki.content.attachment_files import write_attachments  # noqa: E402

P2P = CONTENT / "processes" / "procure-to-pay"
INK, MUTED, LINE, WASH = (33, 37, 41), (94, 100, 108), (173, 181, 189), (241, 243, 245)
BLUE, RED, AMBER, GREEN = (13, 110, 253), (214, 51, 57), (255, 193, 7), (25, 135, 84)


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    # Pillow's own font (no font files of the machine): the same image everywhere.
    return ImageFont.load_default(size=size + (1 if bold else 0))


def arrow(draw: ImageDraw.ImageDraw, start, end, color=INK, width=3) -> None:
    draw.line([start, end], fill=color, width=width)
    (x0, y0), (x1, y1) = start, end
    if x1 != x0:
        sign = 1 if x1 > x0 else -1
        head = [(x1, y1), (x1 - 12 * sign, y1 - 7), (x1 - 12 * sign, y1 + 7)]
    else:
        sign = 1 if y1 > y0 else -1
        head = [(x1, y1), (x1 - 7, y1 - 12 * sign), (x1 + 7, y1 - 12 * sign)]
    draw.polygon(head, fill=color)


def callout(draw: ImageDraw.ImageDraw, number: int, at, text: str, box_at) -> None:
    """A numbered red circle beside a part of the screen, and the same number on its
    explanation below the screen."""
    x, y = at
    bx, by = box_at
    width = draw.textlength(text, font=font(15)) + 52
    draw.rounded_rectangle([bx, by, bx + width, by + 34], 6, fill=(255, 243, 205), outline=RED)
    for cx, cy, radius in ((x, y, 13), (bx + 18, by + 17, 11)):
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=RED)
        draw.text((cx, cy), str(number), fill="white", font=font(14, True), anchor="mm")
    draw.text((bx + 38, by + 17), text, fill=INK, font=font(15), anchor="lm")


def window(title: str, size=(1100, 620)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """An ERP window: title bar, transaction field, toolbar area."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, size[0], 38], fill=(52, 58, 64))
    draw.text((16, 19), title, fill="white", font=font(17, True), anchor="lm")
    draw.rectangle([0, 38, size[0], 84], fill=WASH)
    draw.rectangle([16, 48, 260, 74], fill="white", outline=LINE)
    return image, draw


def button(draw: ImageDraw.ImageDraw, box, label: str, primary: bool = False) -> None:
    draw.rounded_rectangle(box, 4, fill=BLUE if primary else "white", outline=BLUE)
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    draw.text(centre, label, fill="white" if primary else BLUE, font=font(15), anchor="mm")


def table(draw, origin, widths, header, rows, highlight=None) -> list[int]:
    """Rows of cells; returns the y of each row's middle."""
    x0, y = origin
    middles = []
    for index, row in enumerate([header, *rows]):
        fill = WASH if index == 0 else ((255, 236, 236) if index - 1 == highlight else "white")
        draw.rectangle([x0, y, x0 + sum(widths), y + 32], fill=fill, outline=LINE)
        x = x0
        for width, cell in zip(widths, row, strict=True):
            draw.text((x + 10, y + 16), cell, fill=INK, font=font(14, index == 0), anchor="lm")
            x += width
        middles.append(y + 16)
        y += 32
    return middles[1:]


def process_diagram() -> Image.Image:
    image = Image.new("RGB", (1200, 420), "white")
    draw = ImageDraw.Draw(image)
    draw.text((600, 36), "Procure-to-pay at Northwind", fill=INK, font=font(26, True), anchor="mm")
    steps = [
        ("Vendor", "ZMM_VEND"),
        ("Requisition\nand PO", "ZMM_PREQ"),
        ("Goods\nreceipt", "ZMM_GR"),
        ("Invoice\ncaptured", "ZAP_CAPT"),
        ("Three-way\nmatch", "ZFI_3WM"),
        ("Supplier\npaid", "ZAP_PAYRUN"),
    ]
    left, top, width, gap = 40, 110, 150, 44
    centres = []
    for index, (label, transaction) in enumerate(steps):
        x = left + index * (width + gap)
        draw.rounded_rectangle(
            [x, top, x + width, top + 110], 12, fill=(231, 241, 255), outline=BLUE, width=2
        )
        draw.multiline_text(
            (x + width / 2, top + 42),
            label,
            fill=INK,
            font=font(17, True),
            anchor="mm",
            align="center",
        )
        draw.text((x + width / 2, top + 90), transaction, fill=MUTED, font=font(14), anchor="mm")
        centres.append(x + width / 2)
        if index:
            arrow(draw, (x - gap + 4, top + 55), (x - 4, top + 55), BLUE)
    # The exception loop: a failed match goes to the hold queue and back to the match.
    match_x = centres[4]
    hold = [match_x - 95, 300, match_x + 95, 370]
    draw.rounded_rectangle(hold, 12, fill=(255, 243, 205), outline=AMBER, width=2)
    draw.text((match_x, 322), "Hold queue", fill=INK, font=font(17, True), anchor="mm")
    draw.text((match_x, 350), "ZAP_HOLD", fill=MUTED, font=font(14), anchor="mm")
    arrow(draw, (match_x - 30, top + 112), (match_x - 30, 296), RED)
    arrow(draw, (match_x + 30, 296), (match_x + 30, top + 114), GREEN)
    draw.text((match_x - 40, 262), "outside tolerance", fill=RED, font=font(14), anchor="rm")
    draw.text((match_x + 40, 262), "released, re-matched", fill=GREEN, font=font(14), anchor="lm")
    return image


def hold_queue_screen() -> Image.Image:
    image, draw = window("ZAP_HOLD · Invoice hold queue · NW10")
    draw.text((26, 61), "ZAP_HOLD", fill=INK, font=font(15), anchor="lm")
    for index, label in enumerate(["Release", "Chase", "Note", "Reassign"]):
        button(draw, (300 + index * 110, 48, 400 + index * 110, 74), label, primary=index == 0)
    rows = [
        ("5100042817", "Brenner Stahl GmbH", "12,480.00 EUR", "PRC", "2026-12-04", "6"),
        ("5100042903", "Okta Logistics", "1,905.50 EUR", "NGR", "2026-12-07", "3"),
        ("5100043011", "Fabrik Nord AG", "88,200.00 EUR", "QTY", "2026-12-09", "2"),
        ("5100043127", "Paper & Co", "214.90 EUR", "DUP", "2026-12-15", "1"),
    ]
    middles = table(
        draw,
        (24, 110),
        [140, 260, 170, 90, 150, 80],
        ("Invoice", "Vendor", "Amount", "Reason", "Due date", "Days"),
        rows,
        highlight=0,
    )
    draw.text((24, 300), "Sorted by due date, ascending (layout /DAILY)", fill=MUTED, font=font(14))
    callout(draw, 1, (940, middles[0]), "Due first: work the top row before older holds", (24, 340))
    callout(
        draw, 2, (662, middles[0]), "PRC: price outside tolerance, see Price variances", (24, 390)
    )
    callout(
        draw, 3, (350, 97), "Release once resolved: re-matched on the next hourly run", (24, 440)
    )
    callout(
        draw, 4, (460, 97), "Chase sends the standard mail and sets a 2-day reminder", (24, 490)
    )
    return image


def three_way_match_screen() -> Image.Image:
    image, draw = window("ZFI_3WM · Three-way match · invoice 5100042817")
    draw.text((26, 61), "ZFI_3WM", fill=INK, font=font(15), anchor="lm")
    button(draw, (300, 48, 420, 74), "Run match", primary=True)
    button(draw, (430, 48, 550, 74), "Show log")
    rows = [
        ("10", "Steel bracket S-40", "400 @ 12.00", "400", "400 @ 12.00", "ok"),
        ("20", "Steel bracket S-60", "600 @ 10.80", "600", "600 @ 11.10", "+2.8 %"),
        ("30", "Freight", "1 @ 250.00", "1", "1 @ 250.00", "ok"),
    ]
    middles = table(
        draw,
        (24, 110),
        [60, 230, 170, 130, 170, 110],
        ("Line", "Material", "Purchase order", "Received", "Invoice", "Check"),
        rows,
        highlight=1,
    )
    draw.rectangle([24, 260, 894, 292], fill=(255, 236, 236), outline=RED)
    draw.text(
        (34, 276),
        "Result: HOLD · reason PRC · line 20 over the 2 % price tolerance",
        fill=RED,
        font=font(15, True),
        anchor="lm",
    )
    callout(
        draw,
        1,
        (915, middles[1]),
        "2.8 % over the PO price: over the lower of 2 % and EUR 50",
        (24, 330),
    )
    callout(draw, 2, (545, middles[1]), "Received = invoiced: the quantity check passes", (24, 380))
    callout(
        draw, 3, (360, 97), "Run the match again after the buyer corrects the PO price", (24, 430)
    )
    return image


IMAGES = [
    (P2P / "procure-to-pay-overview.md", "p2p-process.png", process_diagram),
    (
        P2P / "invoice-processing" / "exceptions" / "working-the-zap-hold-queue.md",
        "zap-hold-queue.png",
        hold_queue_screen,
    ),
    (
        P2P / "invoice-processing" / "three-way-match.md",
        "zfi-3wm-price-hold.png",
        three_way_match_screen,
    ),
]


def main() -> None:
    for page_file, name, draw in IMAGES:
        out = io.BytesIO()
        draw().save(out, "PNG")
        stored = prepare_file(name, out.getvalue(), 10 * 1024 * 1024)
        manifest = write_attachments(page_file, [(stored.name, stored.data)])
        text = page_file.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        meta["attachments"] = manifest
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
        page_file.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
        print(f"{page_file.relative_to(CONTENT)}: {name} ({len(stored.data):,} bytes)")


if __name__ == "__main__":
    main()
