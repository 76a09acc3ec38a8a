"""Text normalisation for matching Vietnamese labels (headers, unit names, levels).

Matching ignores diacritics, case, spacing and line breaks; display keeps the text as
written (NFC), diacritics intact. Both leave out *hidden* characters, which a reader cannot
see and which would make two names that look alike differ (``hidden_characters``); letters
that look like Vietnamese ones but are other characters (a Cyrillic "о" in "Phòng") are
found by ``lookalike_letters``, for the reader to refuse: no cleaning can tell what was meant.
"""
from __future__ import annotations

import re
import unicodedata

# Hidden characters: format characters (Unicode category Cf: zero-width space and joiners U+200B-U+200D,
# the byte order mark U+FEFF, bidirectional embeddings, overrides and isolates U+202A-U+202E and
# U+2066-U+2069, marks U+200E/U+200F, the soft hyphen U+00AD, the word joiner, tags ...), control
# characters that are not white space (U+0001 ...: XML, so a workbook, cannot hold them; tabs and
# line breaks are white space and become spaces), and characters drawn as nothing (Hangul fillers,
# the braille blank, the combining grapheme joiner, variation selectors). Written out as ranges,
# so Python and Arrow's RE2 (``ingest.values``) remove exactly the same ones, whatever the
# Unicode version of each (tests/test_names_as_data.py checks the table against unicodedata).
HIDDEN_RANGES = (
    (0x0000, 0x0008), (0x000E, 0x001B), (0x007F, 0x0084), (0x0086, 0x009F),      # controls (not spaces)
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),                                                           # format characters (Cf)
    (0x034F, 0x034F), (0x115F, 0x1160), (0x180B, 0x180D), (0x180F, 0x180F), (0x2800, 0x2800),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF),    # drawn as nothing
)


def _char_class(escape) -> str:
    return "[" + "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in HIDDEN_RANGES) + "]"


_HIDDEN = re.compile(_char_class(lambda c: f"\\U{c:08X}"))
HIDDEN_RE2 = _char_class(lambda c: f"\\x{{{c:X}}}")      # the same class for Arrow (pyarrow.compute)

# what XML 1.0 (a workbook's or a Word document's text) cannot hold: control characters other than
# tab and line breaks, halves of surrogate pairs, U+FFFE and U+FFFF
XML_ILLEGAL = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_XML_ILLEGAL = re.compile(f"[{XML_ILLEGAL}]")
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
    s = unicodedata.normalize("NFD", _HIDDEN.sub("", str(text)))
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
    """A label for display: NFC, hidden characters removed, inner line breaks and runs of
    spaces made single spaces.

    >>> clean_label("Phòng\u200b Kinh tế\u202e ")
    'Phòng Kinh tế'
    """
    if text is None:
        return ""
    return _SPACE.sub(" ", nfc(_HIDDEN.sub("", str(text)))).strip()


def xml_safe(text: str) -> str:
    """``text`` with each character XML cannot hold written as U+FFFD "\ufffd" (a writer's last
    guard: text read from an export has none left, ``clean_label``)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def hidden_characters(text: object) -> list[str]:
    """The hidden characters of ``text`` (see ``HIDDEN_RANGES``), each once, in order.

    >>> hidden_characters("Văn\u200b phòng\u202e Sở\u200b")
    ['\u200b', '\u202e']
    """
    return list(dict.fromkeys(_HIDDEN.findall(text))) if isinstance(text, str) else []


def shown_with_hidden(text: str) -> str:
    """``text`` with each hidden character written as its code point, for a message.

    >>> shown_with_hidden("Phòng\u200bA")
    'Phòng⟨U+200B⟩A'
    """
    return _HIDDEN.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


# Letters of other scripts drawn like Latin ones (Cyrillic "о" U+043E, Greek "ο" U+03BF, Armenian
# "օ" ...), checked in a text that also has Latin letters: a Vietnamese name is written in Latin
# letters, so it has no business holding them
LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "LISU"})
# Latin letters Vietnamese does not have, drawn like its "Đ"/"đ" (old font conversions write them)
LOOKALIKE_LATIN = frozenset("\u00d0\u00f0\u0189")       # Ð (eth), ð, Ɖ (African D)


def lookalike_letters(text: object) -> list[str]:
    """The characters of ``text`` that look like Vietnamese letters but are other characters,
    each once, in order: letters of another script among Latin ones (a Cyrillic "о" in
    "Phòng"), compatibility forms of Latin letters (fullwidth "Ｐ", mathematical "𝐏", the
    Kelvin sign) and Latin letters drawn like "Đ" (Ð U+00D0). A text in one other script alone
    (a Russian name in an index table) has none.

    >>> lookalike_letters("Phòng Kinh t\u0435 Sở")         # a Cyrillic "е"
    ['е']
    >>> lookalike_letters("Ðồng Tháp"), lookalike_letters("Россия"), lookalike_letters("Bạc Liêu")
    (['Ð'], [], [])
    """
    if not isinstance(text, str):
        return []
    latin, other = False, []
    for ch in text:
        if not ch.isalpha() or ch in "ªº":      # ordinal marks ("Nº 5") look like no letter
            continue
        if ch in LOOKALIKE_LATIN:
            other.append(ch)
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("LATIN "):
            latin = True
        elif name.split(" ", 1)[0] in LOOKALIKE_SCRIPTS:
            other.append(ch)
        elif unicodedata.normalize("NFKC", ch) != ch and all(
                unicodedata.name(c, "").startswith("LATIN ") for c in unicodedata.normalize("NFKC", ch)):
            other.append(ch)            # fullwidth, mathematical, the Kelvin and Ångström signs
    others = list(dict.fromkeys(other))
    if latin or any(ch in LOOKALIKE_LATIN for ch in others):
        return others
    return [ch for ch in others if ch in LOOKALIKE_LATIN or unicodedata.normalize("NFKC", ch) != ch]


def code_points(chars: list[str]) -> str:
    """Characters named by code point, for a message.

    >>> code_points(["\u043e", "\u200b", "\x01"])
    'U+043E CYRILLIC SMALL LETTER O "о", U+200B ZERO WIDTH SPACE, U+0001 CONTROL CHARACTER'
    """
    def one(ch: str) -> str:
        name = unicodedata.name(ch, "")
        if not name:
            return f"U+{ord(ch):04X} CONTROL CHARACTER"
        return f"U+{ord(ch):04X} {name}" + (f' "{ch}"' if ch.isprintable() and not _HIDDEN.match(ch) else "")
    return ", ".join(one(ch) for ch in chars)
