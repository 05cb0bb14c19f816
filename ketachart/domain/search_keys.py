"""How a patient is found: names and MRNs folded so that what a person types at the desk
meets what was registered, whatever the case, accents or keyboard.

Search compares folded text only, through indexes (services.patients): a patient's folded
family and given names order the list, and their search keys (one per name word, plus the
MRN) are looked up by prefix. The keys are a derived search aid, never a patient's details:
the registration (services.patients) and the migration that keyed existing patients both use
these functions, so the stored keys and a typed query fold the same way."""

from __future__ import annotations

import sys
import unicodedata

LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "ŀ": "l",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)
"""Latin letters Unicode does not decompose into a base letter and a mark (so NFKD keeps
them): "Łukasiewicz" is found by typing "lukasiewicz", "Øster" by "oster"."""

WORD_CATEGORIES = frozenset("LMN")
"""Letters, marks and digits make words; spaces, punctuation and symbols separate them."""


def fold(text: str) -> str:
    """`text` as search compares it: compatibility-decomposed, case-folded, without combining
    marks (accents, Arabic vowel signs), Latin letters that have no decomposition spelled in
    ASCII, recomposed. "Núñez" and "NUNEZ" fold alike; Chinese and Arabic letters are kept."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.translate(LETTERS_WITHOUT_DECOMPOSITION))


def words(folded: str) -> list[str]:
    """The words of already folded text, in order ("o'brien-smith" -> o, brien, smith)."""
    spaced = "".join(c if unicodedata.category(c)[0] in WORD_CATEGORIES else " " for c in folded)
    return spaced.split()


def name_keys(name: str) -> list[str]:
    """The keys a name is found by: each word, and each written unit without its punctuation
    ("Smith-Jones" -> smith, jones, smithjones; "O'Brien" -> o, brien, obrien)."""
    keys: list[str] = []
    for unit in fold(name).split():
        parts = words(unit)
        keys.extend(parts)
        if len(parts) > 1:
            keys.append("".join(parts))
    return keys


def query_words(folded: str) -> list[str]:
    """The words of a folded query, each written unit without its punctuation as names are
    keyed ("o'bri" begins the key "obrien", "smith-jo" begins "smithjones"). An MRN is not
    matched by its words: the whole query is matched against it."""
    units = ("".join(words(unit)) for unit in folded.split())
    return [unit for unit in units if unit]


def search_keys(mrn: str, family_name: str, given_name: str) -> list[str]:
    """Every key a patient is found by, without repeats: the folded MRN whole (a prefix of
    it finds the patient), then the words of the family and given names."""
    keys = [fold(mrn), *name_keys(family_name), *name_keys(given_name)]
    return list(dict.fromkeys(key for key in keys if key))


def after_prefix(prefix: str) -> str:
    """The least text greater than every text starting with `prefix` (not empty), in code
    point order: `prefix <= key < after_prefix(prefix)` is a prefix match an index can seek."""
    last = ord(prefix[-1])
    following = 0xE000 if 0xD800 <= last + 1 <= 0xDFFF else last + 1
    if following > sys.maxunicode:
        return prefix + chr(sys.maxunicode)
    return prefix[:-1] + chr(following)
