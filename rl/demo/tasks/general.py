"""General family: one sentence about a topic under one or two IFEval constraints, checked by `rule_checks`.

Constraints use the real IFEval ids and instruction wordings: `change_case:english_lowercase`,
`change_case:english_capital`, `punctuation:no_comma`, `length_constraints:number_words`,
`detectable_format:title`, `detectable_format:json_format`, `startend:quotation` and `detectable_content:postscript`;
incompatible pairs are never drawn. Every constraint asks for a behaviour the prompt switches on, never for a word
to copy from the prompt: `keywords:existence` and `startend:end_checker` (one of 4 keywords, one of 3 end phrases)
passed at 7-20 % and 16-51 % after both stages on every seed, since a 1M-parameter model does not learn to copy a
word from its prompt in the demo's budget (README, tuning notes). The gold answer is a templated sentence
transformed to meet every constraint (checked with `rewards.rules.check` when drawn), after a thinking line per
constraint; the flawed trace forgets one constraint (its thinking line and its effect on the answer) and fails it.
The key is the prompt text.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any, Callable, Literal

from rl.demo.tasks import Item

WORD = re.compile(r"\w+")

TOPICS = ("the sea", "a city", "music", "the moon", "a forest", "rain", "a library", "coffee", "the desert", "snow",
          "a garden", "the river", "a market", "the mountains", "a train", "winter", "a bakery", "the sky",
          "a lake", "the wind", "a village", "summer", "the harbor", "a bridge", "the beach", "a castle", "the valley",
          "a museum", "the island", "spring", "a meadow", "the street", "a kitchen", "the storm", "a school",
          "autumn", "the park", "a farm", "the road", "a tower", "the morning", "a boat", "the evening", "a cave",
          "the field", "a station", "the night", "a festival")
PHRASINGS = ("Write one sentence about {topic}.", "Describe {topic} in one sentence.",
             "Tell me about {topic} in a single sentence.")
ADJECTIVES = ("calm", "bright", "quiet", "warm", "cold", "busy", "gentle", "wide", "old", "fresh", "soft", "clear")
POSTSCRIPT = "P.S. Thank you for reading."
# The sentence comes in three lengths: "plain" (the default: three adjectives), "short" (one adjective, 3 words
# fewer) and "long" (plain plus an 11-word clause). A length constraint asks for the short or the long one; its N is
# set from the finished answer's word count (IFEval's `\w+` words): "less than" the short answer's count plus 1-3,
# or "at least" the long one's minus 0-2. The default sentence fails either relation, so, as with every other
# constraint, doing nothing never passes (README, tuning notes: "No constraint may be met by doing nothing"). The
# thinking line repeats the prompt's relation ("Less than N words."), which the cold start learns to write.
SLACK = (1, 3)


@dataclass
class Draft:
    """The answer being built: its text parts and the settings the constraints chose."""

    length: Literal["short", "plain", "long"] = "plain"
    title: bool = False
    commas: bool = True
    postscript: bool = False
    wrap: str | None = None    # "json" | "quotes"
    case: str | None = None    # "lower" | "upper"
    slack: int = 0             # a length constraint's N minus the answer's word count


@dataclass(frozen=True)
class Constraint:
    rule: str                                        # IFEval id
    group: str                                       # at most one constraint per group
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
    if rng.random() < 0.5:
        return ({"relation": "less than"}, "Answer with less than {n} words.", "Less than {n} words.",
                _set(length="short", slack=rng.randint(*SLACK)))
    return ({"relation": "at least"}, "Answer with at least {n} words.", "At least {n} words.",
            _set(length="long", slack=-rng.randint(SLACK[0] - 1, SLACK[1] - 1)))


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
    Constraint("change_case:english_lowercase", "case", _lower),
    Constraint("change_case:english_capital", "case", _capital),
    Constraint("punctuation:no_comma", "comma", _no_comma),
    Constraint("length_constraints:number_words", "length", _words),
    Constraint("detectable_format:title", "title", _title),
    Constraint("detectable_format:json_format", "ending", _json),
    Constraint("startend:quotation", "ending", _quotes),
    Constraint("detectable_content:postscript", "ending", _postscript),
)


def render(topic: str, adjectives: list[str], d: Draft) -> str:
    """The answer sentence for `topic` shaped by the draft's settings."""
    sep, noun = (", " if d.commas else " "), topic.split()[-1]
    text = f"The {noun} is {adjectives[0]}"
    if d.length != "short":
        text += f"{sep}{adjectives[1]} and {adjectives[2]}"
    if d.length == "long":
        text += f"{sep}and people who see it feel {adjectives[3]} and glad all day"
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
    adjectives = rng.sample(ADJECTIVES, 4)
    wanted, chosen = rng.randint(1, 2), []
    for c in rng.sample(CONSTRAINTS, len(CONSTRAINTS)):
        if len(chosen) < wanted and all(c.group != o.group for o in chosen):
            chosen.append(c)
    made = [c.make(rng) for c in chosen]   # (kwargs, instruction, thinking line, shape) per constraint
    draft = Draft()
    for *_, shape in made:
        shape(draft)
    answer = render(topic, adjectives, draft)
    n = len(WORD.findall(answer)) + draft.slack
    constraints = [{"id": c.rule, "kwargs": kwargs} for c, (kwargs, *_) in zip(chosen, made)]
    for c in constraints:
        if c["id"] == "length_constraints:number_words":
            c["kwargs"]["num_words"] = n
    prompt = " ".join([rng.choice(PHRASINGS).format(topic=topic)] + [m[1].format(n=n) for m in made])
    lapse = rng.randrange(len(made))       # the constraint the flawed trace forgets
    lapsed = Draft()
    for i, (*_, shape) in enumerate(made):
        if i != lapse:
            shape(lapsed)
    plan = [m[2].format(n=n) for m in made]
    row = {"prompt": [{"role": "user", "content": prompt}], "task": "general", "answer": None, "tests": None,
           "constraints": json.dumps(constraints)}
    return Item(row=row, completion=_trace(plan, answer), key=key(row),
                flawed=_trace(plan[:lapse] + plan[lapse + 1:], render(topic, adjectives, lapsed)))


def _trace(plan: list[str], answer: str) -> str:
    return "\n".join(plan) + "\n</think>\n\n" + answer


def draw(rng: random.Random) -> Item:
    """One constrained prompt whose gold answer passes every constraint and whose flawed answer (one constraint
    forgotten, in the plan and in the answer) fails one (redrawn in the rare case either would not hold, e.g. when
    language identification misreads a short all-caps sentence)."""
    from rewards.rules import check

    while True:
        item = _draw_once(rng)
        constraints, prompt = json.loads(item.row["constraints"]), item.row["prompt"][-1]["content"]
        answer, flawed = (c.split("</think>")[-1].strip() for c in (item.completion, item.flawed))
        if all(check(answer, constraints, prompt)) and not all(check(flawed, constraints, prompt)):
            return item


def key(row: dict) -> str:
    """The prompt text of a general row (topic, constraints and their kwargs)."""
    return "general:" + row["prompt"][-1]["content"]
