"""Generated portrait placeholders for demo people: a coloured disc with initials."""

import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

PALETTE = ["#2952cc", "#1e7b34", "#b3261e", "#7a3fb8", "#c25e00", "#00838f", "#5d4037", "#ad1457"]


def avatar_png(name: str, size: int = 256) -> bytes:
    digest = hashlib.sha256(name.encode()).digest()
    colour = PALETTE[digest[0] % len(PALETTE)]
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    # A lighter band makes the pictures tell apart at thumbnail size.
    draw.ellipse((size * 0.15, size * 0.55, size * 0.85, size * 1.25), fill="#ffffff22")
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = ImageFont.load_default(size=size // 3)
    draw.text((size / 2, size * 0.42), initials, fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
