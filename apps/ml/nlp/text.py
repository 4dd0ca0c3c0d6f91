"""Text normalisation shared by the catalogue, the grammar and the models."""

import re
import unicodedata

# Every dash or minus a keyboard, a phone or a bet slip produces, as the ASCII hyphen-minus.
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-"})
_FRACTIONS = {"½": ".5", "¼": ".25", "¾": ".75"}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def text_clean(text: str) -> str:
    """Compatibility-normalised text with one kind of minus, half points as decimals and emojis as spaces."""
    for fraction, decimal in _FRACTIONS.items():  # before NFKC, which would make "½" into "1⁄2"
        text = text.replace(fraction, decimal)
    text = unicodedata.normalize("NFKC", text).translate(_MINUS)
    # Emojis, pictographs, dingbats and other symbols are noise to the grammar.
    return "".join(" " if unicodedata.category(char) in {"So", "Sk", "Cs", "Co", "Cn"} else char for char in text)


def name_normalise(text: str) -> str:
    """What names are compared on: lower case, no accents, punctuation as single spaces ("A's" → "as")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("'", "").replace("\u2019", "").replace(".", ""))
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return _NOT_WORD.sub(" ", ascii_text).strip()
