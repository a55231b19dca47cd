"""Build benchmarks/data/math_reference.jsonl: (gold, response, expected) cases taken from other projects' grader
test suites, with provenance, split into a `tune` part and a `heldout` part (about 30 %, chosen by a hash of the
case, never looked at while tuning the verifier).

Sources (each row's `source` names repository@commit:path::test):
- huggingface/Math-Verify tests (Apache-2.0): every `pytest.mark.parametrize` table of (gold, pred, expected), read
  from a checkout given with `--math-verify DIR` (commit 5d148cfa). Rows whose expectation holds only under a
  non-default option (float_rounding other than 6, strict=False, allow_set_relation_comp=False) are left out.
- hendrycks/math `modeling/math_equivalence_test.py` (MIT): the `is_equiv` unit tests.
- NVIDIA/NeMo-Skills `tests/test_math_equal.py` (Apache-2.0): `math_equal` correct/incorrect pairs, both orders.
- UKGovernmentBEIS/inspect_ai `tests/scorer/math_cases.json` and `tests/scorer/test_math.py` (MIT): the math
  scorer's compatibility cases and parametrized unit cases.
- huggingface/open-r1 `tests/test_rewards.py` (Apache-2.0): `accuracy_reward` cases.
- QwenLM/Qwen2.5-Math `evaluation/grader.py` (Apache-2.0): the `math_equal` / `compare_equations` assertions of
  its `TestMathEquality` (prediction, reference).
Added on 2026-12-03 (second round; half of these rows are held out, by a hash with another salt):
- Math-Verify `tests/test_yujianll.py` (skipped before by a name clash) and `test_float_precision` (an f-string);
- huggingface/lighteval `tests/unit/metrics/test_extractive_match.py` (MIT), read from `--lighteval FILE`: every
  (gold, pred, expected) table not already taken from Math-Verify, letters and other languages included;
- inspect_ai's newer `math_cases.json` case and `test_math.py` tests (last box after a flood, a set target against
  two boxes, code payloads);
- huggingface/trl `tests/test_rewards.py` (Apache-2.0): `accuracy_reward` and `reasoning_accuracy_reward` cases
  with a parsable gold.
Added on 2026-12-03 (fourth round; read before they were added, so all in `tune`):
- lighteval `tests/unit/metrics/test_cases/gpqa_instruct_metric.json`: 21 full responses ending in "Answer: X",
  read from `--lighteval-gpqa FILE`.

Rows where this project's verifier disagrees with the reference on purpose, or where the case is broken, carry a
`note` saying why (`NOTES`); their expectation stays the reference's own.

The reference's own gold/prediction strings are kept verbatim: `response` is the prediction exactly as the
reference grader received it (a bare answer, a `$...$` span, a boxed solution or prose).

Usage: python benchmarks/build_math_reference.py --math-verify DIR --inspect-cases FILE --lighteval FILE
       --lighteval-gpqa FILE [--out PATH]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
from pathlib import Path

OUT = Path(__file__).parent / "data" / "math_reference.jsonl"
MV = "huggingface/Math-Verify@5d148cfaaf99214c2e4ffb4bc497ab042c592a7a"
HENDRYCKS = "hendrycks/math@5f3bf91d13367550bed100240554fd11c25abe48:modeling/math_equivalence_test.py"
NEMO = "NVIDIA/NeMo-Skills@583b90a2d5df14caf9f96271b0ef357f782b9938:tests/test_math_equal.py"
INSPECT_JSON = "UKGovernmentBEIS/inspect_ai@05d0479eec1439fc10a116a7901b84523d1f1eea:tests/scorer/math_cases.json"
INSPECT_PY = "UKGovernmentBEIS/inspect_ai@0ad0e3fc7c48152b533b439999fbd563d9170040:tests/scorer/test_math.py"
QWEN = "QwenLM/Qwen2.5-Math@29a82a8802e058c236fe7903ae6d8362df078aa7:evaluation/grader.py"
OPEN_R1 = "huggingface/open-r1@69ae7d4b787c6e7e9bbe173d6ef419d2f2cd6379:tests/test_rewards.py"
LIGHTEVAL = "huggingface/lighteval@16318bb4cc736cfb29d72eb31bd19c55d0283565:tests/unit/metrics/test_extractive_match.py"
INSPECT_HEAD = "UKGovernmentBEIS/inspect_ai@34beafda81d31fd42e4652fe943b99818dcbf955:tests/scorer"
LIGHTEVAL_GPQA = ("huggingface/lighteval@3fd15266bc8448b797e61462d293aa3fd40b3580:"
                  "tests/unit/metrics/test_cases/gpqa_instruct_metric.json")
TRL = "huggingface/trl@30558f512cfe11ece65148b524a763ce5855e60e:tests/test_rewards.py"
HELDOUT_SHARE = 3  # of 10
SECOND_ROUND_SHARE = 5  # of 10, for the rows added in the second round (`second_round` set on the row)
_MV_SECOND_ROUND = {"test_yujianll.py", "test_all.py::test_float_precision"}

# Options of Math-Verify's compare_strings under which a row's expectation holds; other rows are skipped.
_MV_DEFAULTS = {"precision": 6, "strict": True, "allow_set_relation_comp": True}
_MV_SKIP = {"test_string_extraction.py"}  # extraction-only tables of config objects, no gold

HENDRYCKS_CASES = [  # (test_in, test_out, is_equiv)
    ("\\tfrac{1}{2} + \\frac1{72}", "\\\\frac{1}{2} + 2/3", False),
    ("10, 4, -2", "4, 10, -2", False),
    ("10, 4, 2", "4, 12, 2", False),
    ("\\tfrac{1}{2} +\\! \\frac1{72}", "\\\\dfrac{1}{2} +\\frac{1}{72}", True),
    ("10\\text{ units}", "10 ", True),
    ("10\\text{ units}", "100 ", False),
    ("10", "\\$10", True),
    ("\\left(x-2\\right)\\left(x+2\\right)", "(x-2)(x+2)", True),
    ("0.1, 4, 2", "4, .1, 2", False),
    ("0.1", ".1", True),
    ("10\\%", "10", True),
    ("10\\sqrt{3} + \\sqrt4", "10\\sqrt3 + \\sqrt{4}", True),
    ("\\frac34i", "\\frac{3}{4}i", True),
    ("\\tfrac83", "\\frac{8}{3}", True),
    ("5x - 7y + 11z + 4 = 0", "x + y - z + 2 = 0", False),
    ("1/2", "\\frac{1}{2}", True),
]

NEMO_CORRECT = [  # math_equal(a, b) and math_equal(b, a) are both True (non-strings as str())
    ("5", "5"), ("5", "5.0"), ("1/2", "0.5"), ("\\frac{1}{2}", "0.5"), ("918\\frac{1}{2}", "918.5"),
    ("x^2+2x+1", "x^2 + 2*x + 1"), ("x^2+2x+1", "x^2 + 2*x - (-1)"), ("y = x^2+2x+1", "2x+ 1+x^2"),
    ("odd", "\\text{odd}"), ("E", "\\mathrm{E}"), ("A", "\\textbf{A}"), ("f'", "f'"), ("185", "185\\"),
    ("185\\", "185\\"), (".185", "0.185"), ("\\frac {1}{2}", "0.5"), ("17\\text{ any text}", "17"),
    ("\\$10", "10"), ("10%", "10"), ("10\\%", "10"), ("2.5", "\\frac{5}{2}"), ("\\frac{1}{3}", "\\dfrac{1}{3}"),
    ("(r+5)(r+5)", "(r+5)^2"), ("\\frac{\\sqrt{3}}{3}", "\\frac{\\sqrt{3}}{3} \\approx 0.577"), ("C", "C. x = 42"),
    ("\\begin{pmatrix}0&0&0\\\\0&1&0\\\\0&0&1\\end{pmatrix}",
     "\\begin{bmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 1 \\end{bmatrix}"),
]
NEMO_INCORRECT = [
    ("5", "5.001"), ("x^2+2x+1", "x^3+2x+1"), ("odd", "\\text{oddd}"), ("E", "\\mathrm{E}*2"),
    ("\\sqrt{67},-\\sqrt{85}", "\\sqrt{67}"),
]

INSPECT_PY_CASES = [  # (test name, answer, target, correct)
    *[("test_percentage_suffixes_are_normalized", a, t, True) for a, t in [
        ("33.5%", "0.335"), ("33.5\\%", "0.335"), ("33.5 percent", "0.335"), ("33.5 percentage", "0.335"),
        ("33.5 pct", "0.335"), ("\\frac{1}{2}\\%", "0.005"), ("\\frac{1}{2}\\text{ percent}", "0.005")]],
    *[("test_constant_tuple_mismatch_is_incorrect", a, "2", False) for a in ["[]", "[0]", "(0,)", "(0, 1)"]],
    ("test_constant_tuple_self_match_is_correct", "(0, 1)", "(0, 1)", True),
    *[("test_grouped_thousands_are_treated_as_numbers", a, t, True) for a, t in [
        ("1,234", "1234"), ("12,345,678", "12345678"), ("1,234.5", "1234.5"), ("-8,192", "-8192"),
        ("1,000,000", "1000000")]],
    *[("test_grouped_thousands_normalization_leaves_structures_intact", a, t, t == a)
      for a in ["(1,2)", "(1, 2)", "{1,2,3}", "[1,2]", "1,23", "1,2345"] for t in (a, "12")],
    *[("test_latex_thin_space_thousands_are_numbers", a, t, True) for a, t in [
        ("1\\,234", "1234"), ("12\\,345\\,678", "12345678"), ("1\\,234.5", "1234.5")]],
    *[("test_exact_large_integers_are_not_approximated", a, t, False) for a, t in [
        ("99999999999", "100000000000"), ("100000000000000000000", "100000000001000000000"),
        ("12345678901", "12345678902")]],
    *[("test_approximate_values_still_match", a, t, True) for a, t in [
        ("0.5", "1/2"), ("1.4142135623730951", "\\sqrt{2}"), ("0.335", "33.5\\%")]],
    *[("test_assignment_target_matches_either_orientation", "2", t, True) for t in ["x=2", "2=x", "2 = y", "z = 2"]],
    *[("test_assignment_targets_accept_their_value", a, t, True) for a, t in [
        ("2", "x=2"), ("x=2", "2"), ("x=2", "2=x"), ("2", "y = 2")]],
    *[("test_prose_wrapped_numeric_answers_are_extracted", a, "42", True) for a in [
        "The answer is 42 because geometry proves it", "42 because geometry proves it", "First compute 6*7.\n42",
        "Final answer: 42"]],
    ("test_prose_fallback_does_not_manufacture_false_matches", "The perimeter is 7", "42", False),
    ("test_text_answer_is_not_overridden_by_subexpression", "odd $n$", "odd $n$", True),
    ("test_math_scorer_uses_last_boxed_answer", "\\boxed{10} and then \\boxed{42}", "42", True),
    ("test_model_complexity_rejection_is_incorrect", "\\boxed{2^{2^{2^{49}}}}", "1", False),
    ("test_parse_success_with_wrong_value_has_no_reason", "The answer is \\boxed{5}", "42", False),
]

QWEN_CASES = [  # (prediction, reference, math_equal)
    ("10", "10", True), ("10%", "0.1", True), ("[1, 2, 3]", "[1, 2, 3]", True),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", True),
    ("x = y", "x = y", True), ("10", "20", False), ("x = y", "x = z", False), ("x = 10", "10", True),
    ("10", "x = 10", True), ("[1, 2, 3]", "[1, 2, 4]", False), ("(1, 2, 3)", "(1, 2, 3)", True),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}", False),
]

INSPECT_HEAD_CASES = [  # (file::test, answer, target, correct), inspect_ai at INSPECT_HEAD
    ("math_cases.json::hard exact equivalence",
     "\\frac{6\\sqrt{1789-240\\sqrt{21}}+8\\sqrt{1236-240\\sqrt{21}}}{5}", "96-10\\sqrt{21}", True),
    ("test_math.py::test_math_scorer_uses_last_boxed_answer", "\\boxed{10} and then \\boxed{42}", "\\{10,42\\}",
     False),
    ("test_math.py::test_final_boxed_answer_survives_a_flood_of_earlier_boxes",
     " ".join("\\boxed{9}" for _ in range(400)) + " \\boxed{42}", "42", True),
    *[("test_math.py::test_security_payload_is_rejected_without_fallback", f"{payload} or 0", "0", False)
      for payload in ["__import__('os').system('touch marker')", "open('marker', 'w').write('x')",
                      "getattr(__import__('pathlib').Path('marker'), 'touch')()",
                      "(1).__class__.__mro__[1].__subclasses__()", "(lambda: open('marker', 'w'))()",
                      "[open('marker', 'w') for _ in [0]]", "globals()['__builtins__']['open']('marker', 'w')"]],
]

TRL_CASES = [  # (test, completion, solution, reward)
    ("TestAccuracyReward::test_accuracy_reward_wrong_answer_no_latex", "\\boxed{3}", "6", False),
    ("TestReasoningAccuracyReward::test_correct_answer_yields_unit_reward",
     "<think> Reasoning content </think> \\boxed{\\frac{63}{400}}", "\\frac{63}{400}", True),
    ("TestReasoningAccuracyReward::test_correct_answer_yields_unit_reward",
     "Reasoning content </think> \\boxed{\\frac{63}{400}}", "\\frac{63}{400}", True),
    ("TestReasoningAccuracyReward::test_incorrect_answer_yields_zero_reward",
     "<think> Reasoning content </think> \\boxed{\\frac{64}{400}}", "\\frac{63}{400}", False),
    ("TestReasoningAccuracyReward::test_correct_answer_in_reasoning_yields_zero_reward",
     "<think> My answer is \\boxed{42} </think> Some other text.", "\\boxed{42}", False),
    ("TestReasoningAccuracyReward::test_correct_answer_in_reasoning_yields_zero_reward",
     "<think> The answer is \\boxed{42} </think> Here's a wrong answer: \\boxed{43}.", "\\boxed{42}", False),
    ("TestReasoningAccuracyReward::test_incomplete_reasoning_yields_zero_reward",
     "<think> Incomplete reasoning without closing tag",
     "\\frac{63}{400}", False),
]

OPEN_R1_CASES = [  # (completion, solution, reward)
    ("\\boxed{\\frac{63}{400}}", "\\frac{63}{400}", True), ("\\boxed{\\frac{63}{400}}", "63/400", True),
    ("\\boxed{\\frac{64}{400}}", "\\frac{63}{400}", False),
]


_FALSE_LINK = "by design: a chain with a false link states no value (issue 8: a false equation is wrong)"
# Why rewards.math disagrees with a reference expectation, on purpose ("by design: ...") or because the case is
# broken ("malformed: ..."); written into the row as `note` (the expectation stays the reference's own).
NOTES = {
    ("$10/9$", "Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $"):
        "by design: a false equation (1/2 = 10/9) is wrong (issue 8)",
    ("$x = 11$", "$x = 5+5+1 = 7 =11$"): _FALSE_LINK,
    ("$x = 1/3$", "$x = 5+5+1 = 1/3 \\approx 11$"): _FALSE_LINK,
    ("$z = 1 + 1 = 2$", "$z = 3+3 = 2$"): _FALSE_LINK,
    ("$1/3$", "$x=1/3\\approx1.3$"): "by design: 1.3 is no rounding of 1/3, an approximation of another value is wrong",
    ("$\\frac{9.5}{3.14159}$", "$\\frac{9.5}{3.14159} \\approx 3.01$"):
        "by design: 9.5/3.14159 = 3.0239..., so 3.01 approximates another value",
    ("10, 4, -2", "4, 10, -2"): "by design: a bare list is compared as a set, as math-verify does (hendrycks' test "
                                "compares strings)",
    ("0.1, 4, 2", "4, .1, 2"): "by design: a bare list is compared as a set, as math-verify does (hendrycks' test "
                               "compares strings)",
    ("42", " ".join("\\boxed{9}" for _ in range(400)) + " \\boxed{42}"):
        "by design: boxes joined only by spaces are one group, so a flood of boxes is a hedge",
    ("B", "Let's think step by step. It's not A because it doesn't make sense, therefore I think it's B"):
        "by design: 'I think' is tentative, and a letter in prose without a marker is read only at the start",
    ("220", "Réponse: Janeth aura encore 220 $ à payer d'ici 12 mois."):
        "by design: the marked sentence states two values (220 and 12 months)",
    ("\\\\boxed{W(n) = 1 \\\\text{ and } W(n) = -1", "W(x)=1orW(x)=-1"):
        "malformed: the gold is an unclosed box with doubled backslashes; the answer runs words together in another "
        "variable",
    ("$1 - \\frac{1}{\\mathrm{e}}$", "$1 + \\frac{1}{\\mathrm{e}}$"):
        "malformed: mislabelled in the source (1 - 1/e is not 1 + 1/e)",
}


def _literal(node: ast.expr):
    """A literal table; f-strings that format `math` values (`f"{math.sqrt(17):.15f}"`) are evaluated too, and a
    name such as `Language.FRENCH` is kept as its source text."""
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e) for e in node.elts]
        return None if any(i is None for i in items) else type(node).__name__ == "List" and items or tuple(items)
    if isinstance(node, ast.Attribute):
        return ast.unparse(node)
    try:
        return ast.literal_eval(node)
    except ValueError:
        if not any(isinstance(n, ast.JoinedStr) for n in ast.walk(node)) or any(
                isinstance(n, ast.Call) and ast.unparse(n.func) not in {"math.sqrt"} for n in ast.walk(node)):
            return None
        return eval(compile(ast.Expression(node), "<table>", "eval"), {"__builtins__": {}, "math": math})


def parametrize_rows(path: Path) -> list[tuple[str, dict]]:
    """(test function, row as {argument name: value}) for every literal `pytest.mark.parametrize` table of a file."""
    out = []
    for node in ast.parse(path.read_text()).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            if not (isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize"):
                continue
            names = [n.strip() for n in _literal(dec.args[0]).split(",")]
            table = _literal(dec.args[1])
            out += [(node.name, dict(zip(names, values))) for values in table or []]
    return out


def math_verify_rows(root: Path) -> list[dict]:
    """Every plain (gold, pred, expected) parametrize row of Math-Verify's tests, under default options."""
    rows = []
    for path in sorted((root / "tests").glob("test_*.py")):
        if path.name in _MV_SKIP:
            continue
        for func, row in parametrize_rows(path):
            if "gold" not in row or "pred" not in row or any(
                    k in row and row[k] != v for k, v in _MV_DEFAULTS.items()):
                continue
            expected = row.get("expected", row.get("result"))
            second = path.name in _MV_SECOND_ROUND or f"{path.name}::{func}" in _MV_SECOND_ROUND
            rows.append({"gold": row["gold"], "response": row["pred"], "expected": bool(expected),
                         "source": f"{MV}:tests/{path.name}::{func}", "second_round": second})
    return rows


def lighteval_rows(path: Path) -> list[dict]:
    """lighteval's extractive-match tables (gold, pred, expected), under the default precision."""
    return [{"gold": row["gold"], "response": row["pred"], "expected": bool(row["expected"]),
             "source": f"{LIGHTEVAL}::{func}", "second_round": True}
            for func, row in parametrize_rows(path)
            if "gold" in row and "pred" in row and row.get("precision", 6) == 6]


def other_rows() -> list[dict]:
    rows = [{"gold": a, "response": b, "expected": e, "source": f"{HENDRYCKS}::TestIsEquiv"}
            for a, b, e in HENDRYCKS_CASES]
    for pairs, expected, test in ((NEMO_CORRECT, True, "test_correct_examples"),
                                  (NEMO_INCORRECT, False, "test_incorrect_examples")):
        for a, b in pairs:
            for gold, response in ((a, b), (b, a)):
                rows.append({"gold": gold, "response": response, "expected": expected, "source": f"{NEMO}::{test}"})
    rows += [{"gold": t, "response": a, "expected": c, "source": f"{INSPECT_PY}::{name}"}
             for name, a, t, c in INSPECT_PY_CASES]
    rows += [{"gold": s, "response": c, "expected": e, "source": f"{OPEN_R1}::TestAccuracyReward"}
             for c, s, e in OPEN_R1_CASES]
    rows += [{"gold": ref, "response": pred, "expected": e, "source": f"{QWEN}::TestMathEquality"}
             for pred, ref, e in QWEN_CASES]
    rows += [{"gold": t, "response": a, "expected": c, "source": f"{INSPECT_HEAD}/{name}", "second_round": True}
             for name, a, t, c in INSPECT_HEAD_CASES]
    rows += [{"gold": s, "response": c, "expected": e, "source": f"{TRL}::{name}", "second_round": True}
             for name, c, s, e in TRL_CASES]
    return rows


def inspect_json_rows(cases: list[dict]) -> list[dict]:
    return [{"gold": c["target"], "response": c["output"], "expected": c["expected"] == "C",
             "source": f"{INSPECT_JSON}::{c['source']}"} for c in cases]


def gpqa_rows(path: Path) -> list[dict]:
    """lighteval's gpqa_instruct extractive-match cases: a full response against the gold option letter."""
    rows = []
    for case in json.loads(path.read_text())["test_cases"]:
        doc = case["doc"]
        rows.append({"gold": doc["choices"][doc["gold_index"]], "response": case["model_response"]["text"][0],
                     "expected": case["expected_output"]["extractive_match"] == 1.0,
                     "source": f"{LIGHTEVAL_GPQA}::{case['name']}", "read": True})
    return rows


def split_of(row: dict) -> str:
    """`heldout` for a fixed pseudo-random share of the rows (a hash of the case; another salt and a larger share
    for the second round), else `tune`; rows added after they were read (`read`) are all `tune`."""
    if row.get("read"):
        return "tune"
    salt = "second round\0" if row.get("second_round") else ""
    digest = hashlib.sha1(f"{salt}{row['source']}\0{row['gold']}\0{row['response']}".encode()).digest()
    share = SECOND_ROUND_SHARE if row.get("second_round") else HELDOUT_SHARE
    return "heldout" if digest[0] % 10 < share else "tune"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--math-verify", type=Path, required=True, help="checkout of huggingface/Math-Verify")
    ap.add_argument("--inspect-cases", type=Path, required=True,
                    help="inspect_ai tests/scorer/math_cases.json as of commit df5338b9 (its 32 cases)")
    ap.add_argument("--lighteval", type=Path, required=True,
                    help="lighteval tests/unit/metrics/test_extractive_match.py")
    ap.add_argument("--lighteval-gpqa", type=Path, required=True,
                    help="lighteval tests/unit/metrics/test_cases/gpqa_instruct_metric.json (at LIGHTEVAL_GPQA)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rows = math_verify_rows(args.math_verify) + other_rows()
    rows += inspect_json_rows(json.loads(args.inspect_cases.read_text())) + lighteval_rows(args.lighteval)
    rows += gpqa_rows(args.lighteval_gpqa)
    seen, out = set(), []
    for row in rows:
        key = (row["gold"], row["response"])
        if key in seen:
            continue
        seen.add(key)
        note = {"note": NOTES[key]} if key in NOTES else {}
        out.append({**{k: v for k, v in row.items() if k not in ("second_round", "read")}, "split": split_of(row),
                    **note})
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out))
    print(f"{len(out)} cases -> {args.out} ({sum(r['split'] == 'heldout' for r in out)} held out)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
