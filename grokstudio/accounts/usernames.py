"""Usernames people cannot mistake for one another.

Two names are the same name when they are equal after NFKC and case folding
("owner" written in fullwidth letters is "owner"), and too alike when they are
equal after each letter is replaced by the Latin letter it looks like ("rt_xss"
with a Cyrillic letter dze for its last s beside "rt_xss"). A name that mixes
alphabets with look-alike letters is refused on its own, as it can only be meant
to deceive.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

from confusable_homoglyphs import confusables
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

# Look-alikes within ASCII that the homoglyph table maps elsewhere.
ASCII_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "|": "l"})


def folded(name: str) -> str:
    """The form two names are compared in: compatibility-normalised, case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


@cache
def _latin(char: str) -> str:
    if char.isascii():
        return char
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"])
    for glyph in found[0]["homoglyphs"] if found else []:
        candidate = glyph["c"].strip("\u200e")
        if len(candidate) == 1 and candidate.isascii():
            return candidate.casefold()
    return char


def skeleton(name: str) -> str:
    """What the name looks like: each letter replaced by the Latin one it can be taken for."""
    return "".join(_latin(char) for char in folded(name)).translate(ASCII_LOOKALIKES)


def check_distinct(name: str, existing: Iterable[str]) -> None:
    """Refuse `name` when it is, or looks like, one of `existing`; or mixes look-alike alphabets."""
    name_folded, name_skeleton = folded(name), skeleton(name)
    for other in existing:
        if folded(other) == name_folded:
            raise ValidationError("A user with that username already exists.", code="username_taken")
        if skeleton(other) == name_skeleton:
            raise ValidationError(
                "This username looks like an existing one (some letters can be taken for others). "
                "Please choose another.",
                code="username_confusable",
            )
    if confusables.is_dangerous(name):
        raise ValidationError(
            "This username mixes letters from different alphabets that look alike. "
            "Please use letters from one alphabet.",
            code="username_mixed_script",
        )


def validate_new_username(name: str) -> None:
    """Against every account: a team's studio has few enough that reading all names is cheap.

    The names are read whole, not through `.iterator()`: a refusal stops the loop half
    way, and on PostgreSQL the server-side cursor it leaves open dies with the savepoint
    around the sign-up; closing it later, whenever the garbage collector gets to it,
    aborts whatever transaction runs by then.
    """
    check_distinct(name, list(get_user_model().objects.values_list("username", flat=True)))
