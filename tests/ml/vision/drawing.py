"""Images the vision tests send, all drawn here (Pillow), none downloaded."""

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from apps.ml.vision.synthetic import fonts_available


def png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=options.pop("format", "PNG"), **options)
    return buffer.getvalue()


def text_image(lines: list[str], *, size: int = 26, width: int = 720, background=(250, 250, 250)) -> Image.Image:
    font = ImageFont.truetype(str(fonts_available()[0]), size)
    image = Image.new("RGB", (width, 40 + len(lines) * (size + 14)), background)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((24, 20 + index * (size + 14)), line, font=font, fill=(20, 20, 20))
    return image


def face_draw(image: Image.Image, *, centre: tuple[int, int], size: int) -> None:
    """A cartoon frontal face (skin oval, hair, brows, eyes, nose, mouth), softened a little. OpenCV's frontal
    face cascade finds it (the tests check that first): it stands in for a photo, which may not be shipped."""
    drawing = Image.new("RGB", image.size, (0, 0, 0))
    mask = Image.new("L", image.size, 0)
    draw, mask_draw = ImageDraw.Draw(drawing), ImageDraw.Draw(mask)
    cx, cy = centre
    w, h = size * 0.42, size * 0.55
    box = (cx - w, cy - h, cx + w, cy + h)
    mask_draw.ellipse(box, fill=255)
    draw.ellipse(box, fill=(225, 190, 160))
    draw.ellipse((cx - w, cy - h, cx + w, cy - h * 0.45), fill=(60, 40, 30))
    eye_x, eye_y = size * 0.17, cy - h * 0.12
    for side in (-1, 1):
        x = cx + side * eye_x
        draw.rectangle((x - size * 0.1, eye_y - size * 0.11, x + size * 0.1, eye_y - size * 0.08), fill=(70, 50, 40))
        draw.ellipse((x - size * 0.08, eye_y - size * 0.035, x + size * 0.08, eye_y + size * 0.035), fill=(40, 30, 30))
    draw.polygon([(cx, eye_y + size * 0.02), (cx - size * 0.05, cy + h * 0.3), (cx + size * 0.05, cy + h * 0.3)],
                 fill=(205, 165, 135))  # fmt: skip
    draw.ellipse((cx - size * 0.13, cy + h * 0.45, cx + size * 0.13, cy + h * 0.55), fill=(150, 70, 70))
    softened = drawing.filter(ImageFilter.GaussianBlur(size / 60))
    image.paste(softened, (0, 0), mask.filter(ImageFilter.GaussianBlur(size / 60)))


def gray_array(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("L"))
