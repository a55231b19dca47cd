"""Prompt templating with the seeds' (QwQ-32B) recommended instructions.

- math rows: "Please reason step by step, and put your final answer within \\boxed{}." is appended to the last
  user message;
- multiple-choice math rows get instead the instruction to answer as JSON with the option letter in an `answer`
  field. A row is multiple choice when its gold answer is a single option letter (`C`, `(C)`, `\\text{C}`) and
  its prompt labels options A, B and that letter (`A) ...`, `(B) ...`, `C. ...` or `D: ...`, one per line or
  inline as `(A) ... (B) ...`). Option lists given as a column (`options`/`choices`) are rendered as `A) ...`
  lines by the adapters first (`render_options`), so they are detected the same way. The gold is stored as the
  bare letter;
- an instruction already present in the prompt is not added again;
- an optional system prompt is prepended to prompts that have no system message (a row's own system message
  wins).
"""

from __future__ import annotations

import re
from typing import Any

MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
MC_INSTRUCTION = ('Please show your choice in the `answer` field with only the choice letter, '
                  'e.g., `"answer": "C"`.')
LETTERS = "ABCDEFGHIJ"

_LETTER_ANSWER = re.compile(r"^\s*\$?\s*(?:\\text\{|\\textbf\{|\\mathrm\{|\*\*)?\s*\(?([A-J])\)?\s*"
                            r"(?:\}|\*\*)?\s*\$?\s*\.?\s*$")
_OPTION_MARK = re.compile(r"(?:^|\n)[ \t]*\(?([A-J])[).:][ \t]+\S|\(([A-J])\)[ \t]*\S")


def render_options(question: str, options: Any) -> str:
    """`question` followed by one `A) text` line per option (a list, or a mapping from letter to text)."""
    if isinstance(options, dict):
        items = [(str(k).strip("() ").upper(), v) for k, v in options.items()]
    elif isinstance(options, (list, tuple)):
        if len(options) > len(LETTERS):
            raise ValueError(f"options: at most {len(LETTERS)} options are supported, got {len(options)}")
        items = list(zip(LETTERS, options))
    else:
        raise ValueError(f"options: expected a list or a letter->text mapping, got {type(options).__name__}")
    if len(items) < 2:
        raise ValueError("options: a multiple-choice question needs at least 2 options")
    return question.rstrip() + "\n\n" + "\n".join(f"{letter}) {str(text).strip()}" for letter, text in items)


def choice_letter(answer: Any) -> str | None:
    """The option letter when `answer` is a bare letter (`C`, `(C)`, `\\text{C}`, `**C**`), else None."""
    if not isinstance(answer, str):
        return None
    m = _LETTER_ANSWER.match(answer)
    return m.group(1) if m else None


def is_multiple_choice(question: str, answer: Any) -> bool:
    """True when the answer is an option letter and the question labels options A, B and that letter."""
    letter = choice_letter(answer)
    if letter is None:
        return False
    labels = {a or b for a, b in _OPTION_MARK.findall(question)}
    return {"A", "B", letter} <= labels


def _last_user(prompt: list[dict[str, str]]) -> dict[str, str] | None:
    users = [m for m in prompt if m["role"] == "user"]
    return users[-1] if users else None


def _append(message: dict[str, str], instruction: str) -> None:
    if instruction not in message["content"]:
        message["content"] = f"{message['content'].rstrip()}\n\n{instruction}"


def apply_template(row: dict[str, Any], system_prompt: str | None = None) -> dict[str, Any]:
    """Return `row` (schema-normalised) with the task instructions and the system prompt applied."""
    prompt = [dict(m) for m in row["prompt"]]
    row = {**row, "prompt": prompt}
    user = _last_user(prompt)
    if row["task"] == "math" and user is not None:
        if is_multiple_choice(user["content"], row["answer"]):
            row["answer"] = choice_letter(row["answer"])
            _append(user, MC_INSTRUCTION)
        else:
            _append(user, MATH_INSTRUCTION)
    if system_prompt and prompt[0]["role"] != "system":
        prompt.insert(0, {"role": "system", "content": system_prompt})
    return row
