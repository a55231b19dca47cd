"""General family: one sentence about a topic under one IFEval constraint, checked by `rule_checks`.

Constraints use the real IFEval ids and instruction wordings: `change_case:english_lowercase`,
`change_case:english_capital`, `punctuation:no_comma`, `length_constraints:number_words` ("less than"),
`detectable_format:title`, `detectable_format:json_format`, `startend:quotation` and `detectable_content:postscript`.
Every constraint asks for a behaviour the prompt switches on, never for a word to copy from the prompt, and one
prompt carries one constraint: a 1M-parameter model does not learn, in the demo's budget, to copy a word from its
prompt (`keywords:existence`, `startend:end_checker`), to tell "less than" from "at least", or to follow two
constraints at once (two-constraint prompts passed at 0-7 % in every stage of every run): README, tuning notes.
The gold answer is a templated sentence transformed to meet the constraint (checked with `rewards.rules.check`
when drawn), after a thinking line naming it; the flawed trace forgets it (no thinking line, the default sentence)
and fails it. The key is the prompt text.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any, Callable

from rl.demo.tasks import Item

WORD = re.compile(r"\w+")

TOPICS = ("the sea", "a city", "music", "the moon", "a forest", "rain", "a library", "coffee", "the desert", "snow",
          "a garden", "the river", "a market", "the mountains", "a train", "winter", "a bakery", "the sky",
          "a lake", "the wind", "a village", "summer", "the harbor", "a bridge", "the beach", "a castle", "the valley",
          "a museum", "the island", "spring", "a meadow", "the street", "a kitchen", "the storm", "a school",
          "autumn", "the park", "a farm", "the road", "a tower", "the morning", "a boat", "the evening", "a cave",
          "the field", "a station", "the night", "a festival")
PHRASINGS = ("Write one sentence about {topic}.", "Describe {topic} in one sentence.",
             "Tell me about {topic} in a single sentence.", "Write a single sentence about {topic}.",
             "Say something about {topic} in one sentence.", "In one sentence, describe {topic}.",
             "Give me one sentence about {topic}.", "Write a sentence that describes {topic}.")
ADJECTIVES = ("calm", "bright", "quiet", "warm", "cold", "busy", "gentle", "wide", "old", "fresh", "soft", "clear")
POSTSCRIPT = "P.S. Thank you for reading."
# The sentence comes in two lengths: the default (three adjectives) and short (one adjective, 3 words fewer). A
# length constraint asks for the short one: "less than" N, N the short answer's word count (IFEval's `\w+`
# words) plus 1-3, which the default sentence fails, so, as with every other constraint, doing nothing never passes
# (README, tuning notes: "No constraint may be met by doing nothing"). The thinking line repeats the prompt's
# relation ("Less than N words."), which the cold start learns to write.
SLACK = (1, 3)
# A constraint kwarg set to this is filled with N, the answer's word count plus the draft's slack (as `{n}` is in the
# instruction and the thinking line).
WORD_COUNT = object()


@dataclass
class Draft:
    """The answer being built: its text parts and the settings the constraints chose."""

    short: bool = False
    title: bool = False
    commas: bool = True
    postscript: bool = False
    wrap: str | None = None    # "json" | "quotes"
    case: str | None = None    # "lower" | "upper"
    slack: int = 0             # a length constraint's N minus the answer's word count


@dataclass(frozen=True)
class Constraint:
    rule: str                                        # IFEval id
    make: Callable[[random.Random], tuple[dict[str, Any], str, str, Callable[[Draft], None]]]
    # -> (kwargs, instruction, thinking line, how it shapes the draft)


def _set(**changes: Any) -> Callable[[Draft], None]:
    return lambda d: d.__dict__.update(changes)


def _lower(rng):
    return ({}, "Your entire response should be in English, and in all lowercase letters. No capital letters are "
            "allowed.", "All lowercase.", _set(case="lower"))


def _capital(rng):
    return ({}, "Your entire response should be in English, and in all capital letters.", "All capital letters.",
            _set(case="upper"))


def _no_comma(rng):
    return ({}, "In your entire response, refrain from the use of any commas.", "No commas.", _set(commas=False))


def _words(rng):
    return ({"relation": "less than", "num_words": WORD_COUNT}, "Answer with less than {n} words.",
            "Less than {n} words.", _set(short=True, slack=rng.randint(*SLACK)))


def _title(rng):
    return ({}, "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>.",
            "Give it a title.", _set(title=True))


def _json(rng):
    return ({}, "Entire output should be wrapped in JSON format.", "Wrap it in JSON.", _set(wrap="json"))


def _quotes(rng):
    return ({}, "Wrap your entire response with double quotation marks.", "Wrap it in double quotes.",
            _set(wrap="quotes"))


def _postscript(rng):
    return ({"postscript_marker": "P.S."}, "At the end of your response, please explicitly add a postscript "
            "starting with P.S.", "Add a P.S.", _set(postscript=True))


CONSTRAINTS = (
    Constraint("change_case:english_lowercase", _lower),
    Constraint("change_case:english_capital", _capital),
    Constraint("punctuation:no_comma", _no_comma),
    Constraint("length_constraints:number_words", _words),
    Constraint("detectable_format:title", _title),
    Constraint("detectable_format:json_format", _json),
    Constraint("startend:quotation", _quotes),
    Constraint("detectable_content:postscript", _postscript),
)


def render(topic: str, adjectives: list[str], d: Draft) -> str:
    """The answer sentence for `topic` shaped by the draft's settings."""
    sep, noun = (", " if d.commas else " "), topic.split()[-1]
    text = f"The {noun} is {adjectives[0]}"
    if not d.short:
        text += f"{sep}{adjectives[1]} and {adjectives[2]}"
    text += "."
    if d.title:
        text = f"<<{noun.title()}>> {text}"
    if d.postscript:
        text += f" {POSTSCRIPT}"
    if d.wrap == "json":
        text = json.dumps({"response": text})
    elif d.wrap == "quotes":
        text = f'"{text}"'
    if d.case == "lower":
        text = text.lower()
    elif d.case == "upper":
        text = text.upper()
    return text


def _draw_once(rng: random.Random) -> Item:
    topic = rng.choice(TOPICS)
    adjectives = rng.sample(ADJECTIVES, 3)
    constraint = rng.choice(CONSTRAINTS)
    kwargs, instruction, line, shape = constraint.make(rng)
    draft = Draft()
    shape(draft)
    answer = render(topic, adjectives, draft)
    n = len(WORD.findall(answer)) + draft.slack
    kwargs = {k: n if v is WORD_COUNT else v for k, v in kwargs.items()}
    prompt = rng.choice(PHRASINGS).format(topic=topic) + " " + instruction.format(n=n)
    row = {"prompt": [{"role": "user", "content": prompt}], "task": "general", "answer": None, "tests": None,
           "constraints": json.dumps([{"id": constraint.rule, "kwargs": kwargs}])}
    return Item(row=row, completion=_trace(line.format(n=n), answer), key=key(row),
                flawed=_trace("", render(topic, adjectives, Draft())))


def _trace(thinking: str, answer: str) -> str:
    return thinking + "\n</think>\n\n" + answer


def draw(rng: random.Random) -> Item:
    """One constrained prompt whose gold answer passes its constraint and whose flawed answer (the constraint
    forgotten, in the thinking and in the answer) fails it (redrawn in the rare case either would not hold, e.g. when
    language identification misreads a short all-caps sentence)."""
    from rewards.rules import check

    while True:
        item = _draw_once(rng)
        constraints, prompt = json.loads(item.row["constraints"]), item.row["prompt"][-1]["content"]
        # `check` reads the answer part of a trace, as the `rule_checks` reward does
        if all(check(item.completion, constraints, prompt)) and not all(check(item.flawed, constraints, prompt)):
            return item


def key(row: dict) -> str:
    """The prompt text of a general row (topic, constraints and their kwargs)."""
    return "general:" + row["prompt"][-1]["content"]
