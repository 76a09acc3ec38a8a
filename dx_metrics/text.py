"""Text normalisation for matching Vietnamese labels (headers, unit names, levels).

Matching ignores diacritics, case, spacing and line breaks; display keeps the text as
written (NFC), diacritics intact.
"""
from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[\"'`:;,.()\[\]{}*_%\-–—/\\&+]+")


def nfc(text: str) -> str:
    """The text in composed form (NFC), so accents render in the right place."""
    return unicodedata.normalize("NFC", text)


def fold(text: object) -> str:
    """A matching key: no diacritics, lower case, punctuation as spaces, single spaces.

    >>> fold("  Số hồ sơ\\nTRỰC TUYẾN ")
    'so ho so truc tuyen'
    >>> fold("Đơn vị")
    'don vi'
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFD", str(text))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = s.replace("đ", "d").replace("Đ", "D").lower()
    s = _PUNCT.sub(" ", s)
    return _SPACE.sub(" ", s).strip()


_GLUED = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


def split_glued(folded: str) -> str:
    """Digits apart from letters in a folded text.

    >>> split_glued(fold("Un-weighted2015PAPI"))
    'un weighted 2015 papi'
    """
    return _GLUED.sub(" ", folded)


def clean_label(text: object) -> str:
    """A label for display: NFC, inner line breaks and runs of spaces made single spaces."""
    if text is None:
        return ""
    return _SPACE.sub(" ", nfc(str(text))).strip()
