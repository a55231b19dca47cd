"""Final fenced code block extraction (rewards.code_extract)."""

from __future__ import annotations

import pytest

from rewards.code_extract import extract_final_code, fenced_blocks, normalize_language


def test_last_block_wins_and_language_is_normalised():
    text = "First try:\n```py\nprint(1)\n```\nBetter:\n```Python3\nprint(2)\n```\nDone."
    block = extract_final_code(text)
    assert block is not None and block.code == "print(2)" and block.language == "python" and block.tag == "Python3"


@pytest.mark.parametrize("tag,lang", [("python", "python"), ("py", "python"), ("python3", "python"),
                                      ("cpp", "cpp"), ("c++", "cpp"), ("cc", "cpp"), ("C++17", "cpp"),
                                      ("java", None), ("c", None), ("", None)])
def test_language_aliases(tag, lang):
    assert normalize_language(tag) == lang


def test_untagged_block_has_no_language():
    block = extract_final_code("```\nx = 1\n```")
    assert block is not None and block.language is None and block.code == "x = 1"


def test_example_output_block_after_solution_is_skipped():
    text = "```python\nprint(input())\n```\nExample:\n```text\nhello\n```\n```bash\npython sol.py\n```"
    block = extract_final_code(text)
    assert block is not None and block.code == "print(input())"


def test_allowed_languages_filter():
    text = "```python\nprint(1)\n```\n```cpp\nint main(){}\n```"
    assert extract_final_code(text).language == "cpp"
    assert extract_final_code(text, allowed={"python"}).code == "print(1)"


def test_unclosed_final_block_is_not_a_submission():
    text = "```python\nprint(1)\n```\nNow the fix:\n```python\nprint(2)\n"
    assert extract_final_code(text).code == "print(1)"
    assert extract_final_code("```python\nprint(2)") is None


def test_no_block_and_empty_block():
    assert extract_final_code("print(1)") is None
    assert extract_final_code("```python\n   \n```") is None
    assert extract_final_code("inline ```x``` is not a fence") is None


def test_longer_fences_and_tildes():
    text = "````python\n```\nnot a close\n````\n~~~cpp\nint main(){}\n~~~"
    blocks = fenced_blocks(text)
    assert [b.code for b in blocks] == ["```\nnot a close", "int main(){}"]


def test_indented_fence_in_list_item_is_dedented():
    text = "1. Solution:\n   ```python\n   def f(x):\n       return x\n   ```\n"
    assert extract_final_code(text).code == "def f(x):\n    return x"


def test_closing_fence_at_end_without_newline_and_info_attributes():
    block = extract_final_code("```python title=sol.py\nprint(3)\n```")
    assert block.code == "print(3)" and block.language == "python"
    assert extract_final_code("```{.python}\nprint(4)\n```").language == "python"
