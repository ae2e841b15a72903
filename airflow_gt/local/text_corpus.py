"""Word lists and templates for the generated text datasets, and the sentence builder.

A text is one template filled in: entity placeholders (``{PERSON}``, ``{LOCATION}``...) take a
name from a fixed list and become labeled spans; ``{opinion}`` takes a clause that conveys the
text's class (sentiment for the default classes; any other class name is named outright);
``{subject}`` and ``{time}`` only add variety.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from airflow_gt.local.truth import Span

# fmt: off
ENTITY_NAMES: dict[str, tuple[str, ...]] = {
    "PERSON": (
        "Alice Johnson", "Carlos Mendes", "Priya Sharma", "Tom Becker", "Yuki Tanaka",
        "Fatima Okafor", "Liam O'Brien", "Sofia Rossi", "Daniel Kim", "Amara Diallo",
        "Mateo Garcia", "Elena Petrova", "Noah Williams", "Chen Wei", "Hannah Schmidt",
        "Omar Haddad", "Grace Lee", "Lucas Silva", "Maya Cohen", "Ivan Novak",
    ),
    "LOCATION": (
        "Paris", "Lisbon", "New York", "Cape Town", "Tokyo", "Buenos Aires", "Nairobi",
        "Berlin", "Toronto", "Mumbai", "Sydney", "Oslo", "Seoul", "Mexico City", "Cairo",
        "Dublin", "Vancouver", "Istanbul", "Lima", "Singapore",
    ),
    "ORGANIZATION": (
        "Acme Corporation", "Globex", "Initech", "the Red Cross", "the United Nations",
        "Northwind Traders", "Contoso", "Fabrikam", "Umbrella Labs", "Stark Industries",
        "Wayne Enterprises", "Blue Sky Airlines", "Riverside Hospital", "the City Council",
        "Greenfield University", "Oceanic Bank",
    ),
    "PRODUCT": (
        "Pixel Phone", "Aurora Laptop", "Zephyr Headphones", "Nimbus Tablet", "Orbit Watch",
        "Falcon Drone", "Echo Speaker", "Atlas Camera", "Comet Scooter", "Vega Console",
    ),
}
"""The names each entity label draws from; a dataset's entity labels must be among these keys."""

CLASS_OPINIONS: dict[str, tuple[str, ...]] = {
    "positive": (
        "It was a wonderful experience", "Everyone loved it", "The service was excellent",
        "It was a great success", "We were delighted with the results",
        "The staff were friendly and helpful", "Honestly, it was fantastic",
        "The food was delicious", "It exceeded every expectation", "I would happily go again",
    ),
    "negative": (
        "It was a terrible experience", "Everyone hated it", "The service was awful",
        "It was a complete failure", "We were disappointed with the results",
        "The staff were rude and unhelpful", "Honestly, it was dreadful",
        "The food was disgusting", "It fell short of every expectation", "I will never go back",
    ),
    "neutral": (
        "It happened as planned", "Nothing unusual was reported", "The meeting lasted an hour",
        "It was an ordinary day", "The results will be published next month",
        "The schedule did not change", "The event started at noon", "It took about two hours",
        "The report was filed on time", "Attendance was about the same as last year",
    ),
}
"""Clauses conveying each default class."""

TOPIC_OPINIONS = (
    "It was all about {name}", "The main topic was {name}", "Most questions concerned {name}",
    "Everyone discussed {name}", "The notes mention {name} throughout",
)
"""Clauses for a class with no word list of its own: the class name is the giveaway."""

SUBJECTS = (
    "the visitor", "a customer", "our guide", "the manager", "a student", "the reporter",
    "my neighbour", "the new intern", "a traveller", "the committee",
)
TIMES = (
    "yesterday", "last week", "on Monday", "on Friday", "this morning", "last year", "in March",
    "in the spring", "over the weekend", "last night",
)
TEMPLATES = (
    "{PERSON} visited {LOCATION} {time}. {opinion}.",
    "{PERSON} joined {ORGANIZATION} {time}. {opinion}.",
    "{ORGANIZATION} opened an office in {LOCATION} {time}. {opinion}.",
    "{PERSON} met {PERSON} in {LOCATION} {time}. {opinion}.",
    "{PERSON} reviewed the {PRODUCT} from {ORGANIZATION}. {opinion}.",
    "{subject} bought a {PRODUCT} in {LOCATION} {time}. {opinion}.",
    "{subject} talked about the trip {time}. {opinion}.",
    "{subject} wrote a review {time}. {opinion}.",
    "{time}, {subject} described the visit. {opinion}.",
)
# fmt: on
TEXT_ATTEMPTS = 200
"""How many sentences to draw, at most, before giving up on finding one not made already."""
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FILLERS = {"subject", "time", "opinion"}
_LOWER_NAMES = {label: {n.lower() for n in names} for label, names in ENTITY_NAMES.items()}


def template_entities(template: str) -> set[str]:
    """The entity labels a template needs."""
    return {name for name in _PLACEHOLDER.findall(template) if name not in _FILLERS}


def opinion_for(text_class: str, rng: random.Random) -> str:
    """A clause that conveys ``text_class``."""
    known = CLASS_OPINIONS.get(text_class.lower())
    if known is not None:
        return rng.choice(known)
    return rng.choice(TOPIC_OPINIONS).format(name=text_class)


def build_sentence(
    text_class: str, entity_labels: Sequence[str], rng: random.Random
) -> tuple[str, tuple[Span, ...]]:
    """One text of class ``text_class`` and its entity spans, from a template that needs only
    labels in ``entity_labels``."""
    templates = [t for t in TEMPLATES if template_entities(t) <= set(entity_labels)]
    template = rng.choice(templates)
    used: set[str] = set()
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    for index, piece in enumerate(_PLACEHOLDER.split(template)):
        label = piece if index % 2 and piece in ENTITY_NAMES else None
        text = piece if index % 2 == 0 else _fill(piece, text_class, used, rng)
        if length == 0 and text:
            text = text[0].upper() + text[1:]
        if label is not None:
            spans.append(Span(label, length, length + len(text)))
        parts.append(text)
        length += len(text)
    sentence = "".join(parts)
    for span in spans:
        assert sentence[span.start : span.end].lower() in _LOWER_NAMES[span.label]
    return sentence, tuple(spans)


def _fill(placeholder: str, text_class: str, used: set[str], rng: random.Random) -> str:
    """The words for one placeholder; an entity name is not repeated within a text."""
    if placeholder in ENTITY_NAMES:
        name = rng.choice([n for n in ENTITY_NAMES[placeholder] if n not in used])
        used.add(name)
        return name
    if placeholder == "opinion":
        return opinion_for(text_class, rng)
    return rng.choice(SUBJECTS if placeholder == "subject" else TIMES)


def build_texts(
    classes: Sequence[str], entity_labels: Sequence[str], count: int, rng: random.Random
) -> list[tuple[str, str, tuple[Span, ...]]] | None:
    """``count`` different ``(text, class, spans)``, the classes spread evenly in a random order;
    None when the templates cannot make that many different texts."""
    assigned = [classes[i % len(classes)] for i in range(count)]
    rng.shuffle(assigned)
    seen: set[str] = set()
    texts = []
    for text_class in assigned:
        for _attempt in range(TEXT_ATTEMPTS):
            text, spans = build_sentence(text_class, entity_labels, rng)
            if text not in seen:
                break
        else:
            return None
        seen.add(text)
        texts.append((text, text_class, spans))
    return texts
