"""Extract the program a completion submits: the final fenced code block of its answer part.

Fences follow CommonMark: a line of at least three backticks (or tildes), optionally indented, with an info
string whose first word names the language; the block ends at a line holding only a fence of the same character
at least as long. The opening fence's indentation is removed from the code lines (as CommonMark does), so blocks
nested in list items keep valid Python indentation. A block that is never closed (a truncated completion) is not
a submission.

Language tags are normalised to the sandbox's languages (`python`, `cpp`); untagged blocks take the row's
language. Blocks tagged with anything else (`text`, `bash`, `output`, `java`, ...) are not candidates, so an
example-output block written after the solution does not hide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection

LANGUAGE_ALIASES: dict[str, str] = {
    **dict.fromkeys(("python", "py", "python3", "py3"), "python"),
    **dict.fromkeys(("cpp", "c++", "cc", "cxx", "cpp11", "cpp14", "cpp17", "cpp20", "c++11", "c++14", "c++17",
                     "c++20"), "cpp"),
}
SUPPORTED_LANGUAGES = frozenset(LANGUAGE_ALIASES.values())

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class CodeBlock:
    """One closed fenced block: `language` is the normalised tag (`python`/`cpp`), `None` when untagged."""

    code: str
    tag: str
    language: str | None


def normalize_language(tag: str) -> str | None:
    """`python`/`cpp` for a known alias (case-insensitive), else `None`."""
    return LANGUAGE_ALIASES.get(tag.strip().lower())


def _dedent(line: str, indent: int) -> str:
    i = 0
    while i < indent and i < len(line) and line[i] in " \t":
        i += 1
    return line[i:]


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Every closed fenced block of `text`, in order."""
    blocks: list[CodeBlock] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        i += 1
        if not m:
            continue
        fence, info = m["fence"], m["info"].strip()
        if fence[0] == "`" and "`" in info:  # CommonMark: not a fence (inline code such as ```x```)
            continue
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        while i < len(lines) and not close.match(lines[i]):
            body.append(_dedent(lines[i], len(m["indent"])))
            i += 1
        if i == len(lines):  # never closed: truncated, not a submission
            break
        i += 1
        tag = info.split()[0].lstrip("{.").rstrip("}") if info else ""
        blocks.append(CodeBlock(code="\n".join(body), tag=tag, language=normalize_language(tag) if tag else None))
    return blocks


def extract_final_code(text: str, allowed: Collection[str] = SUPPORTED_LANGUAGES) -> CodeBlock | None:
    """The last closed block that is untagged or tagged with a language in `allowed`; `None` if there is none.

    Blocks whose code is only whitespace do not count.
    """
    for block in reversed(fenced_blocks(text)):
        if block.code.strip() and (not block.tag or block.language in allowed):
            return block
    return None
