"""Find whole proper-noun phrases in a sentence: people, places, operations, armies.

A phrase is a run of capitalized words (with "of", "von", "de"… inside), cut at ranks
and titles ("Army General Douglas MacArthur" gives "Douglas MacArthur", never "Army
General Douglas"). A single word counts only if the lesson never writes it in lower case
and it is not a common word, a title or a nationality ("President", "Fleet", "Soviet"
are never proposed). The lesson's own vocabulary decides, so no word list can go stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

TITLES = {
    "president", "general", "gen.", "gen", "lieutenant", "lt.", "lt", "colonel", "col.",
    "major", "maj.", "captain", "capt.", "admiral", "adm.", "marshal", "field", "fleet",
    "commander", "premier", "prime", "minister", "emperor", "empress", "king", "queen",
    "prince", "princess", "chairman", "secretary", "foreign", "mr.", "mrs.", "ms.", "dr.",
    "sir", "lord", "lady", "chief", "vice", "rear", "sergeant", "sgt.", "private",
    "corporal", "brigadier", "generalissimo", "commissar", "ambassador", "pope", "tsar",
    "czar", "kaiser", "führer", "fuhrer", "chancellor", "senator", "governor", "pres.",
    "colonel-general", "lieutenant-general", "major-general", "grand", "duke", "count",
    "saint", "st.", "leader", "head",
}  # fmt: skip
# Words that are part of a title only before another title ("Fleet Admiral", "Army
# General", "Prime Minister"); elsewhere they belong to the name ("Pacific Fleet").
TITLE_MODIFIERS = {
    "fleet",
    "army",
    "navy",
    "air",
    "force",
    "field",
    "grand",
    "rear",
    "vice",
    "prime",
    "foreign",
    "first",
    "deputy",
    "supreme",
    "u.s.",
    "us",
}
_NAME_HEADS = {"operation", "battle", "siege", "treaty", "pact", "conference"}
DEMONYMS = {
    "soviet", "soviets", "german", "germans", "japanese", "american", "americans",
    "british", "french", "russian", "russians", "finnish", "finns", "allied", "allies",
    "axis", "nazi", "nazis", "italian", "italians", "romanian", "romanians", "hungarian",
    "polish", "poles", "chinese", "korean", "koreans", "ukrainian", "ukrainians",
    "belorussian", "mongolian", "english", "european", "europeans", "asian", "western",
    "eastern", "northern", "southern", "red", "white", "communist", "communists",
    "bolshevik", "bolsheviks", "jewish", "jews", "baltic", "swedish", "norwegian",
    "czech", "slovak", "latvian", "lithuanian", "estonian", "georgian", "anglo",
}  # fmt: skip
COMMON = {
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they",
    "we", "you", "i", "his", "her", "their", "our", "my", "there", "here", "when", "while",
    "where", "after", "before", "during", "since", "until", "then", "even", "still", "yet",
    "but", "and", "or", "nor", "so", "if", "as", "at", "by", "for", "from", "in", "into",
    "of", "on", "to", "with", "without", "within", "over", "under", "between", "across",
    "along", "through", "about", "around", "against", "among", "both", "each", "every",
    "all", "most", "many", "much", "more", "some", "several", "few", "no", "nobody",
    "none", "one", "two", "three", "four", "five", "last",
    "next", "new", "old", "officially", "instead", "however", "meanwhile",
    "later", "soon", "once", "only", "also", "nonetheless", "nevertheless", "although",
    "though", "because", "unlike", "like", "what", "which", "who", "whom", "whose", "why",
    "how", "not", "never", "always", "often", "early", "late", "just", "other",
    "another", "such", "same", "whole", "half", "part", "end", "war", "battle", "day",
    "days", "week", "year", "years", "month", "months", "today", "yesterday", "north",
    "south", "east", "west", "central", "upper", "lower", "front", "union", "state",
    "states", "republic", "people", "party", "government", "city", "river", "island",
    "islands", "sea", "lake", "line", "pact", "treaty", "operation", "group", "corps",
    "division", "divisions", "regiment", "conference", "offensive", "campaign", "siege",
    "spring", "summer", "autumn", "fall", "winter", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november", "december",
    "jan.", "feb.", "aug.", "sept.", "oct.", "nov.", "dec.", "world", "history", "empire",
    "army", "armies", "navy", "fleet", "force", "forces", "command", "staff",
}  # fmt: skip
_CONNECTORS = r"(?:of|the|de|von|van|der|den|du|la|le|da|al|bin|y)"
_JOINERS = r"(?:of(?:\s+the)?|de|von|van|der|den|du|la|le|da|al|bin|y)"
_WORD = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w'’]*(?:-[\w'’]+)*\.?)"
_PHRASE = re.compile(rf"(?<![\w'’-]){_WORD}(?:\s+(?:{_JOINERS}\s+)?{_WORD})*")
_ADJECTIVE = re.compile(r"[A-Z][a-z]+(?:ian|ean|ese|ish|ic)|[A-Z][\w]*-[a-z][\w-]*")
_PLACE_WORDS = {
    "army", "front", "union", "fleet", "sea", "river", "island", "islands", "gulf", "line",
    "pact", "treaty", "war", "conference", "group", "corps", "division", "isthmus", "lake",
    "mountains", "range", "road", "plain", "peninsula", "heights", "bay", "strait",
    "canal", "bridge", "fortress", "station", "square", "palace", "airfield", "harbor",
    "harbour", "port", "republic", "region", "oblast", "province", "state", "states",
    "centre", "center", "north", "south", "east", "west", "navy", "forces",
}  # fmt: skip


class NameKind(StrEnum):
    PERSON = "person"
    OPERATION = "operation"
    NAME = "name"


@dataclass(frozen=True)
class Name:
    span: tuple[int, int]
    text: str
    kind: NameKind
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """What the lesson itself says about words: written in lower case, or capitalized
    in the middle of a sentence."""

    lower: frozenset[str]
    capitalized: frozenset[str]
    alone: frozenset[str]  # capitalized with no capitalized word beside it ("MacArthur")

    @classmethod
    def of(cls, sentences: list[str]) -> Vocabulary:
        lower: set[str] = set()
        capitalized: set[str] = set()
        alone: set[str] = set()
        for sentence in sentences:
            words = [w.strip(".'’") for w in re.findall(r"[\w'’.-]+", sentence)]
            words = [re.sub(r"['’]s$", "", w) for w in words if w]
            for index, word in enumerate(words):
                if word[:1].islower():
                    lower.add(word.lower())
                elif index > 0 and word[:1].isupper():
                    capitalized.add(word.lower())
                    neighbours = words[index - 1 : index] + words[index + 1 : index + 2]
                    if not any(n[:1].isupper() for n in neighbours):
                        alone.add(word.lower())
        return cls(frozenset(lower), frozenset(capitalized), frozenset(alone))

    def is_plain_word(self, word: str) -> bool:
        lowered = word.lower().strip(".").removesuffix("'s").removesuffix("’s")
        return (
            lowered in COMMON
            or lowered in TITLES
            or lowered in DEMONYMS
            or lowered.rstrip(".") in COMMON
            or lowered in self.lower
        )


def _is_title(words: list[str], index: int) -> bool:
    word = words[index].lower()
    if word in TITLES and word not in TITLE_MODIFIERS:
        return True
    following = words[index + 1].lower() if index + 1 < len(words) else ""
    return word in TITLE_MODIFIERS and (following in TITLES or following in TITLE_MODIFIERS)


def _split_at_titles(words: list[str]) -> list[tuple[list[str], bool]]:
    """Pieces of a phrase between titles (and after a possessive: "Japan's | Kwantung
    Army"); True marks a piece that follows a title."""
    pieces: list[tuple[list[str], bool]] = [([], False)]
    for index, word in enumerate(words):
        if index and re.search(r"['’]s$", words[index - 1]) and pieces[-1][0]:
            pieces.append(([], False))
        if _is_title(words, index):
            if pieces[-1][0]:
                pieces.append(([], True))
            else:
                pieces[-1] = ([], True)
            continue
        pieces[-1][0].append(word)
    return [p for p in pieces if p[0]]


def _removable(word: str) -> bool:
    lowered = word.lower()
    if lowered in _PLACE_WORDS or lowered in _NAME_HEADS:
        return False
    return lowered in COMMON or lowered in DEMONYMS or lowered in TITLES


def _trim(words: list[str]) -> list[str]:
    """Drop a sentence's first word, a nationality or a title in front of the name, but
    keep a nationality that is part of it ("Soviet Union", "Red Army")."""
    while len(words) > 1 and _removable(words[0]):
        if len(words) == 2 and words[0].lower() in DEMONYMS and words[1].lower() in _PLACE_WORDS:
            break
        words = words[1:]
        while words and re.fullmatch(_CONNECTORS, words[0]):
            words = words[1:]
    while words and re.fullmatch(_CONNECTORS, words[-1]):
        words = words[:-1]
    if words:
        words[-1] = re.sub(r"['’]s$|\.$", "", words[-1])
    return words


def _kind(words: list[str], after_title: bool, vocabulary: Vocabulary) -> NameKind:
    if words[0].lower() == "operation" and len(words) > 1:
        return NameKind.OPERATION
    if after_title:
        return NameKind.PERSON
    lowered = [w.lower() for w in words]
    if lowered[-1] in _PLACE_WORDS or lowered[0] in _NAME_HEADS or "of" in lowered:
        return NameKind.NAME
    plain = _PLACE_WORDS | COMMON | DEMONYMS | _NAME_HEADS | {"of", "the"}
    if len(words) >= 2 and not plain & set(lowered) and lowered[-1] in vocabulary.alone:
        return NameKind.PERSON  # a full name whose surname the lesson also writes alone
    return NameKind.NAME


def _alternatives(words: list[str], kind: NameKind) -> tuple[str, ...]:
    if words[0].lower() in _NAME_HEADS and len(words) > 1:
        rest = words[2:] if len(words) > 2 and words[1].lower() == "of" else words[1:]
        return (" ".join(rest),)
    if kind is NameKind.PERSON and len(words) > 1:
        return (words[-1],)
    return ()


def find_names(sentence: str, vocabulary: Vocabulary) -> list[Name]:
    """Whole proper-noun phrases of the sentence: operations, then people, then other
    names, longest first."""
    names: list[Name] = []
    for match in _PHRASE.finditer(sentence):
        offset = match.start()
        words = [
            w if re.fullmatch(r"(?:[A-Z]\.){2,}", w) or w.lower() in TITLES else w.rstrip(".")
            for w in match.group(0).split()
        ]
        for piece, after_title in _split_at_titles(words):
            kept = _trim(list(piece))
            if not kept:
                continue
            if len(kept) == 1:
                word = kept[0].lower()
                if vocabulary.is_plain_word(kept[0]) or len(word) < 3:
                    continue
                at_start = not sentence[: sentence.find(kept[0], offset)].strip()
                if at_start and word not in vocabulary.capitalized:
                    continue
                following = sentence[sentence.find(kept[0], offset) + len(kept[0]) :]
                if _ADJECTIVE.fullmatch(kept[0]) and re.match(r"\s+[a-z]", following):
                    continue  # "Siberian divisions", "Soviet-held territory": adjectives
            elif (
                all(vocabulary.is_plain_word(w) for w in kept)
                and kept[-1].lower() not in _PLACE_WORDS
            ):
                continue  # "Even So", "Good Hope": common words, no name
            text = " ".join(kept)
            start = sentence.find(text, offset)
            if start < 0:
                continue
            kind = _kind(kept, after_title, vocabulary)
            names.append(Name((start, start + len(text)), text, kind, _alternatives(kept, kind)))
    priority = {NameKind.OPERATION: 0, NameKind.PERSON: 1, NameKind.NAME: 2}
    return sorted(names, key=lambda n: (priority[n.kind], -len(n.text.split()), n.span))
