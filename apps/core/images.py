"""Validate and normalise uploaded images by their content, never by their name.

The decoded image is checked against byte and pixel limits before it is loaded, so a
decompression bomb is refused without being expanded. The output is re-encoded from
pixels only, which drops EXIF (location, camera serial) and any trailing payload.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.core.errors import Invalid

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int


def _human_size(num_bytes: int) -> str:
    return f"{num_bytes / (1024 * 1024):.0f} MB"


def open_validated_image(upload: UploadedFile, limits: ImageLimits) -> Image.Image:
    """Return the decoded, upright RGB(A) image, or raise `Invalid` saying what is wrong."""
    if upload.size is not None and upload.size > limits.max_bytes:
        raise Invalid(
            "image_too_large",
            f"The image is too large ({_human_size(upload.size)}); the limit is {_human_size(limits.max_bytes)}.",
        )
    upload.seek(0)
    data = upload.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise Invalid("image_too_large", f"The image is larger than {_human_size(limits.max_bytes)}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise Invalid("image_type", "Unsupported image type. Upload a JPEG, PNG, GIF or WebP picture.")
            width, height = image.size
            if width * height > limits.max_pixels:
                raise Invalid(
                    "image_too_many_pixels",
                    f"The image has too many pixels ({width}×{height}); the limit is "
                    f"{limits.max_pixels // 1_000_000} megapixels.",
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            "image_bomb",
            "The image is a decompression bomb (its pixel count is far beyond what its size suggests).",
        ) from None
    except UnidentifiedImageError:
        raise Invalid("not_an_image", "The file is not an image, or it is damaged.") from None
    except (OSError, SyntaxError, ValueError):
        raise Invalid("image_damaged", "The image could not be read; it may be damaged or truncated.") from None
    image = ImageOps.exif_transpose(image)
    return image.convert("RGBA" if image.mode in {"RGBA", "LA", "P"} else "RGB")


def square_jpeg(image: Image.Image, size: int, *, quality: int = 85) -> bytes:
    """Centre-crop to a square of `size` pixels, flatten onto white, and encode as JPEG without metadata."""
    fitted = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    if fitted.mode == "RGBA":
        background = Image.new("RGB", fitted.size, (255, 255, 255))
        background.paste(fitted, mask=fitted.getchannel("A"))
        fitted = background
    buffer = io.BytesIO()
    fitted.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def fitted_jpeg(image: Image.Image, max_side: int, *, quality: int = 85) -> tuple[bytes, int, int]:
    """Shrink to fit in a `max_side` square (never enlarge), flatten, encode without metadata."""
    fitted = image.copy()
    fitted.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if fitted.mode == "RGBA":
        background = Image.new("RGB", fitted.size, (255, 255, 255))
        background.paste(fitted, mask=fitted.getchannel("A"))
        fitted = background
    buffer = io.BytesIO()
    fitted.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue(), fitted.width, fitted.height
