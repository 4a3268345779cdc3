"""Images through Pillow: a pixel limit before decoding (decompression bombs), hidden content
refused (data after the image's end, a header written to be read as script, script in a
comment), then re-encoded without metadata (EXIF with its GPS position, XMP, comments)."""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from wiki.attachments.filetypes import FileRefused, Kind

# 40 megapixels: a 4K screenshot is 8, a phone photo 12 to 48 (over this, refused), and a
# decompressed image of this size takes 160 MB of memory at most.
MAX_PIXELS = 40_000_000
# Frames of an animation: a 20-second screen recording at 25 per second is 500. Counted from
# the file's structure before Pillow reads it: Pillow finds the count by decoding every frame,
# which took minutes for a small GIF of 160,000 one-pixel frames.
MAX_FRAMES = 1_000
_PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
# Where a format's fixed signature ends. The GIF/JavaScript polyglot writes "/*" or "=" there,
# so that "GIF89a/*...*/=alert(1)" is a script too; Gareth Heyes did the same to JPEG
# ("Bypassing CSP using polyglot JPEGs", PortSwigger Research, 2016).
_AFTER_SIGNATURE = {"gif": 6, "jpeg": 4, "webp": 4}
_SCRIPT_OPENERS = (b"/*", b"//", b"=")
_SCRIPT_IN_TEXT = re.compile(rb"<\s*(script|svg|html|iframe)|javascript:|\*/|on\w+\s*=", re.I)


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    width: int
    height: int


def clean_image(kind: Kind, data: bytes) -> CleanImage:
    """The image re-encoded by Pillow without metadata; FileRefused when it is too large,
    damaged or hides something."""
    _refuse_hidden_content(kind.key, data)
    frames = _declared_frames(kind.key, data)
    if frames > MAX_FRAMES:
        raise FileRefused(
            f"The animation has {frames:,} frames; at most {MAX_FRAMES:,} are accepted (more "
            "can be built to keep a server busy for minutes)."
        )
    image = _open(kind, data, frames)
    comments = [image.info.get("comment", b""), *getattr(image, "text", {}).values()]
    comments += [segment for marker, segment in getattr(image, "applist", []) if marker == "COM"]
    if any(_SCRIPT_IN_TEXT.search(_as_bytes(comment)) for comment in comments):
        raise FileRefused("The image's comment holds script or HTML, so it is not stored.")
    try:
        return _reencoded(kind.key, image, data)
    except (OverflowError, ValueError, OSError, struct.error) as error:
        # Values Pillow reads but cannot write back (two identical frames whose delays add up
        # past a GIF's limit, say).
        raise FileRefused(
            f"The {kind.label} holds values that cannot be written again ({error}), so it is "
            "not stored."
        ) from error


def _open(kind: Kind, data: bytes, frames: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[kind.key]])
            width, height = image.size
            if width * height * frames > MAX_PIXELS:
                raise FileRefused(_too_many_pixels(width, height, frames))
            for frame in range(frames):
                image.seek(frame)
                image.load()
            image.seek(0)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            # Pillow's own, larger limit stopped it while opening, before its size was known.
            raise FileRefused(_too_many_pixels()) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            raise FileRefused(f"The {kind.label} is damaged and cannot be shown.") from error
    return image


def _too_many_pixels(width: int = 0, height: int = 0, frames: int = 1) -> str:
    size = f"{width:,} × {height:,} pixels" if width else "far more pixels than that"
    size += f" in {frames:,} frames" if frames > 1 else ""
    return (
        f"The image is {size}; at most {MAX_PIXELS // 1_000_000} million pixels are accepted "
        "(larger ones can be built to exhaust a server's memory)."
    )


def _reencoded(key: str, image: Image.Image, data: bytes) -> CleanImage:
    frames = getattr(image, "n_frames", 1)
    original = image
    if key in ("jpeg", "webp", "png") and frames == 1:
        # A camera stores the photo sideways and says so in EXIF; that goes, so turn it now.
        image = ImageOps.exif_transpose(image)
    # Every metadata field Pillow could copy from the source is given empty on purpose.
    options: dict = {"exif": b"", "xmp": b"", "comment": b""}
    if original.info.get("icc_profile"):
        options["icc_profile"] = original.info["icc_profile"]  # colours, not personal data
    if frames > 1:
        options["save_all"] = True
    if key == "jpeg":
        if image is original:
            options.update(quality="keep", subsampling="keep")
        else:
            options.update(
                qtables=original.quantization,
                subsampling=JpegImagePlugin.get_sampling(original),
            )
    elif key == "webp":
        options.update(lossless=_is_lossless_webp(data), quality=90)
    elif key == "png":
        options.update(compress_level=6)
    out = io.BytesIO()
    image.save(out, _PILLOW_FORMATS[key], **options)
    return CleanImage(out.getvalue(), image.width, image.height)


def _is_lossless_webp(data: bytes) -> bool:
    """Whether the first frame is VP8L (lossless)."""
    for fourcc, _ in _riff_chunks(data, into_frames=True):
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
    return False


def _riff_chunks(data: bytes, into_frames: bool = False) -> Iterator[tuple[bytes, int]]:
    """(type, size) of each chunk of a WebP; with into_frames, the chunks inside each
    animation frame (ANMF holds its own after 16 bytes of frame header) instead of the frame."""
    position = 12
    while position + 8 <= len(data):
        fourcc, size = struct.unpack("<4sI", data[position : position + 8])
        yield fourcc, size
        inside = into_frames and fourcc == b"ANMF"
        position += 8 + (16 if inside else size + (size & 1))


def _refuse_hidden_content(key: str, data: bytes) -> None:
    offset = _AFTER_SIGNATURE.get(key)
    if offset is not None and data[offset:].startswith(_SCRIPT_OPENERS):
        raise FileRefused(
            "The image's header is written to be read as JavaScript too (a polyglot), so it "
            "is not stored."
        )
    end = _image_end(key, data)
    if end is not None and data[end:].strip(b"\x00"):
        raise FileRefused(
            f"The image has {len(data) - end:,} bytes of something else after its end, a way "
            "of hiding a script or another file in a picture, so it is not stored."
        )


def _image_end(key: str, data: bytes) -> int | None:
    """Where the image's own data ends, by its structure; None when it cannot be told."""
    try:
        if key == "png":
            return _png_end(data)
        if key == "gif":
            return _gif_end(data)
        if key == "webp":
            return 8 + struct.unpack("<I", data[4:8])[0]
        if key == "jpeg":
            found = data.rfind(b"\xff\xd9")
            return found + 2 if found >= 0 else None
    except (IndexError, struct.error):
        return None  # damaged: Pillow says so when it opens it
    return None


def _png_end(data: bytes) -> int | None:
    for length, chunk, start in _png_chunks(data):
        if chunk == b"IEND":
            return start + length + 4  # after its CRC
    return None


def _png_chunks(data: bytes) -> Iterator[tuple[int, bytes, int]]:
    """(length, type, where its data starts) of each chunk of a PNG."""
    position = 8
    while position + 8 <= len(data):
        length, chunk = struct.unpack(">I4s", data[position : position + 8])
        yield length, chunk, position + 8
        position += 12 + length


def _gif_end(data: bytes) -> int | None:
    return _gif_walk(data)[0]


def _gif_walk(data: bytes) -> tuple[int | None, int]:
    """Where a GIF ends (None when that cannot be told), and how many images it holds."""
    flags = data[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    images = 0
    while position < len(data):
        block = data[position]
        if block == 0x3B:  # trailer
            return position + 1, images
        if block == 0x21:  # extension: label, then sub-blocks
            position = _after_sub_blocks(data, position + 2)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW size, sub-blocks
            images += 1
            local = data[position + 9]
            position += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            position = _after_sub_blocks(data, position + 1)
        else:
            return None, images
    return None, images


def _declared_frames(key: str, data: bytes) -> int:
    """How many frames the file's structure holds (an animated GIF's images, a WebP's ANMF
    chunks, an APNG's acTL count); 1 for a still image or where it cannot be told."""
    try:
        if key == "gif":
            return max(1, _gif_walk(data)[1])
        if key == "webp":
            return max(1, sum(1 for fourcc, _ in _riff_chunks(data) if fourcc == b"ANMF"))
        if key == "png":
            for length, chunk, start in _png_chunks(data):
                if chunk == b"acTL" and length >= 4:
                    return max(1, struct.unpack(">I", data[start : start + 4])[0])
    except (IndexError, struct.error):
        pass  # damaged: Pillow says so when it opens it
    return 1


def _after_sub_blocks(data: bytes, position: int) -> int:
    while data[position]:
        position += data[position] + 1
    return position + 1


def _as_bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
