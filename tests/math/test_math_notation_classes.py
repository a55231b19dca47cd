"""Notation classes of real model outputs, each with right answers that must be accepted and wrong answers of the
same shape that must stay rejected (a wrong answer accepted is worse than a right one rejected)."""

import time

import pytest

from rewards.math import verify_batch
from rewards.math.normalize import compact, normalize

SLOW_OK = 20.0
T = "<think>\nLet me work through this carefully.\n</think>\n\nWe compute step by step: $a + b = 7$.\n\n"


def _check(right: list[tuple[str, str]], wrong: list[tuple[str, str]]) -> None:
    start = time.monotonic()
    verdicts = verify_batch(right + wrong, timeout_s=SLOW_OK)
    assert time.monotonic() - start < 4 * SLOW_OK
    rejected = [(p, v) for p, v in zip(right, verdicts) if not v.correct]
    accepted = [(p, v) for p, v in zip(wrong, verdicts[len(right):]) if v.correct]
    assert not rejected, rejected
    assert not accepted, accepted


def test_units_after_the_value_and_compound_units():
    right = [("60", T + "$\\boxed{60 \\text{ km}/\\text{h}}$"), ("60", T + "$\\boxed{60 \\mathrm{~km} / \\mathrm{h}}$"),
             ("36\\pi", T + "The volume is $\\boxed{36 \\pi \\mathrm{~cm}^{3}}$."),
             ("9.8", T + "$\\boxed{9.8 \\mathrm{~m} \\cdot \\mathrm{s}^{-2}}$"), ("5", T + "\\boxed{5 km / h}"),
             ("12", T + "$\\boxed{12\\ \\text{cm}^2}$"), ("60", T + "$\\boxed{60~\\text{km}}$")]
    wrong = [("60", T + "$\\boxed{60 \\text{ km}/\\text{h} \\cdot 2}$"), ("3", T + "\\boxed{3 / s}"),
             ("3", T + "\\boxed{3 \\cdot s}"), ("36", T + "$\\boxed{36 \\pi \\mathrm{~cm}^{3}}$"),
             ("3", T + "\\boxed{3k}"), ("3", T + "\\boxed{3 \\text{ n}}")]
    _check(right, wrong)


def test_a_constant_or_function_named_in_words_is_not_a_unit():
    wrong = [("5", T + "\\boxed{5 pi}"), ("5", T + "\\boxed{5 \\text{ pi}}"), ("4", T + "The area is 4 pi."),
             ("3", T + "\\boxed{3 \\text{ inverse}}"), ("2", T + "\\boxed{2 theta}"), ("6", T + "\\boxed{6 choose 2}"),
             ("7", T + "\\boxed{7 mod 3}"), ("2", T + "\\boxed{2 \\text{ sqrt } 3}")]
    right = [("5", T + "\\boxed{5 apples}"), ("2", T + "So the equation has 2 roots."), ("3", T + "\\boxed{3 pies}")]
    _check(right, wrong)


def test_spaces_and_dots_between_digits_are_thousands_only_in_groups_of_three():
    assert normalize("1 500 000") == "1500000" and normalize("(1 000, 2)") == "(1000, 2)"
    assert compact("1 2") != compact("12") and compact("2 3/4") != compact("23/4")
    right = [("1500000", T + "\\boxed{1 500 000}"), ("1000", T + "\\boxed{1 000}"),
             ("\\frac{11}{4}", T + "\\boxed{2 3/4}"),
             ("12345.5", T + "\\boxed{12 345.5}"), ("1500000", T + "\\boxed{1.500.000}"),
             ("1234.56", T + "\\boxed{1.234,56}"),
             ("1.500.000", T + "\\boxed{1500000}")]
    wrong = [("12", T + "\\boxed{1 2}"), ("12", T + "The answer is 1 2."), ("23/4", T + "\\boxed{2 3/4}"),
             ("1234", T + "\\boxed{1 234 5}"), ("123", T + "\\boxed{1 23}"), ("1234", T + "\\boxed{1.234}"),
             ("1500000", T + "\\boxed{1.500.001}"), ("1234.56", T + "\\boxed{1.234,57}"),
             ("1.5", T + "\\boxed{1.500.000}")]
    _check(right, wrong)


@pytest.mark.parametrize("marker", ["The correct option is", "The right choice is", "Correct option:"])
def test_correct_option_markers(marker):
    right = [("B", T + f"{marker} **(B)**."), ("B", T + f"{marker} B, since A fails.")]
    wrong = [("B", T + f"{marker} (A)."), ("B", T + f"{marker} A or B."), ("B", T + f"{marker} not B.")]
    _check(right, wrong)


def test_a_value_stated_by_a_copula_after_a_computation_or_a_subject():
    right = [("92", T + "So, the result of 79 * 2 - 66 is **92**."), ("5", T + "So 2 + 3 is 5."),
             ("25\\%", T + "En conclusion, la probabilité d'obtenir plus que 3 deux fois de suite est de **25%**."),
             ("12", T + "The area of a 3 by 4 rectangle is 12 square units."),
             ("60", T + "After 3 weeks the total is 60."),
             ("6", T + "The number of ways to pick 2 of 4 is 6."),
             ("2", T + "Thus the remainder when $2^{10}$ is divided by $7$ is $2$."),
             ("12", T + "Thus there are 12 ways. (Note: 10 of them are symmetric.)"),
             ("3", T + "So x = 3. Check: 3 + 4 = 7.")]
    wrong = [("93", T + "So, the result of 79 * 2 - 66 is 93."), ("5", T + "So 2 + 2 is 5."), ("5", T + "So 3 is 5."),
             ("7", T + "x is 2 and y is 7."), ("7", T + "x = 2 and the area is 7."),
             ("7", T + "It is not 5, it is 6, it is 7."),
             ("12", T + "The area of a 3 by 4 rectangle is not 12."),
             ("12", T + "The area of a 3 by 4 rectangle is 12 or 13."),
             ("12", T + "The area for side 3 is 12 and for side 4 is 16."),
             ("60", T + "After 3 weeks the total is 60 thousand."),
             ("8", T + "It is not true that the sum of 3 and 4 is 8."),
             ("4", T + "The number of ways to pick 2 of 4 is 6."),
             ("7", T + "Thus the remainder when $2^{10}$ is divided by $7$ is $2$."),
             ("10", T + "Thus there are 12 ways. (Note: 10 of them are symmetric.)"),
             ("7", T + "So x = 3. Check: 3 + 4 = 7."),
             ("6", T + "The number of ways to pick 2 of 4 was 6 in my first attempt."),
             ("6", T + "Maybe the number of ways to pick 2 of 4 is 6."),
             ("6", T + "The number of ways to pick 2 of 4 is at least 6."),
             ("6", T + "The number of ways to pick 2 of 4 is 6 or 12.")]
    _check(right, wrong)


def test_prose_in_arabic_hindi_and_russian_is_read_with_their_negations_and_hedges():
    arabic = "لذا، ناتج العملية الحسابية 79 * 2 - 66 هو **{}**."
    hindi = "इसलिए, गणना करें: [ 56 + 11 = 67 ] इसलिए, दुकान में अब 67 कमीजें {}हैं।"
    right = [("92", T + "ثم نطرح 66 من النتيجة السابقة: 158 - 66 = 92 " + arabic.format(92)),
             ("67", T + hindi.format("")),
             ("92", T + "Итак, результат 79 * 2 - 66 равен 92."),
             ("13", T + "因此，现在篱笆上总共有3只鸟（假设鸟的数量没有变化）和10只鹳鸟，所以一共有3 + 10 = 13只鸟和鹳鸟。")]
    wrong = [("93", T + arabic.format(93)), ("92", T + "لذا، الناتج ليس 92."), ("92", T + "لذا، الناتج ربما 92."),
             ("67", T + hindi.format("नहीं ")), ("67", T + "इसलिए, दुकान में शायद 67 कमीजें हैं।"),
             ("67", T + "इसलिए, दुकान में 67 या 68 कमीजें हैं।"), ("92", T + "Итак, результат не 92."),
             ("92", T + "Итак, результат, возможно, 92."), ("92", T + "Итак, результат 92 или 93."),
             ("5", T + "ดังนั้น คำตอบคือ 5"),  # Thai: its negations are unknown, nothing is read
             ("13", T + "因此，现在篱笆上总共有3只鸟（假设鸟的数量没有变化）和10只鹳鸟，所以一共有3 + 10 = 13只鸟或鹳鸟。"),
             ("13", T + "There are 3 birds (maybe) and 10 storks, so there are 3 + 10 = 13 birds.")]
    _check(right, wrong)


def test_repeating_decimals_and_misspelt_boxes():
    right = [("\\frac13", T + "\\boxed{0.\\overline{3}}"), ("\\frac16", T + "\\boxed{0.1\\overline{6}}"),
             ("1", T + "\\boxed{0.\\overline{9}}"), ("\\frac{8}{7}", T + "\\boxed{1.\\overline{142857}}"),
             ("8\\sqrt{6}", T + "\\beginboxed{8\\sqrt{6}}")]
    wrong = [("\\frac13", T + "\\boxed{0.\\overline{6}}"), ("\\frac13", T + "\\boxed{0.\\overline{33}3}"),
             ("\\frac16", T + "\\boxed{0.\\overline{16}}"), ("8\\sqrt{6}", T + "\\beginboxed{8\\sqrt{5}}")]
    _check(right, wrong)


def test_plus_minus_lists_are_read_whole():
    gold = "$$x = \\frac{1}{2}, x = \\frac{-1 \\pm \\sqrt{13}}{4}$$"
    right = [(gold, T + "\\boxed{x = \\frac{1}{2}, x = \\frac{-1 \\pm \\sqrt{13}}{4}}"),
             (gold, T + "\\boxed{\\frac{1}{2}, \\frac{-1 + \\sqrt{13}}{4}, \\frac{-1 - \\sqrt{13}}{4}}"),
             ("\\frac{-1 \\pm \\sqrt{13}}{4}", T + "\\boxed{\\frac{-1 - \\sqrt{13}}{4}, \\frac{-1 + \\sqrt{13}}{4}}"),
             ("1 \\pm \\sqrt{2}", T + "\\boxed{1 + \\sqrt{2}, 1 - \\sqrt{2}}")]
    wrong = [(gold, T + "\\boxed{x = \\frac{1}{2}, x = \\frac{-1 \\pm \\sqrt{13}}{5}}"),
             (gold, T + "\\boxed{x = \\frac{1}{2}, x = \\frac{1 \\pm \\sqrt{13}}{4}}"),
             (gold, T + "\\boxed{x = \\frac{1}{2}}"),
             ("\\frac{-1 \\pm \\sqrt{13}}{4}", T + "\\boxed{\\frac{-1 \\pm \\sqrt{13}}{5}}"),
             ("\\frac{-1 \\pm \\sqrt{13}}{4}", T + "\\boxed{\\frac{-1 + \\sqrt{13}}{4}}"),
             ("1, 1 \\pm \\sqrt{2}", T + "\\boxed{1, 2 \\pm \\sqrt{2}}"), ("\\pm 2", T + "\\boxed{\\pm 3}")]
    _check(right, wrong)


def test_an_approximation_is_the_value_rounded_or_truncated_and_brackets_need_an_interval():
    right = [("\\frac{\\sqrt{3}}{3}", T + "\\boxed{\\frac{\\sqrt{3}}{3} \\approx 0.577}"),
             ("\\frac{2}{3}", T + "\\boxed{\\frac{2}{3} \\approx 0.67}"),
             ("\\frac{2}{3}", T + "\\boxed{\\frac{2}{3} \\approx 0.66}"),
             ("-\\frac{2}{3}", T + "\\boxed{-\\frac{2}{3} \\approx -0.67}"), ("[1, 3)", T + "\\boxed{[1, 3)}")]
    wrong = [("\\frac{\\sqrt{3}}{3}", T + "\\boxed{\\frac{\\sqrt{3}}{3} \\approx 0.578}"),
             ("\\frac{2}{3}", T + "\\boxed{\\frac{2}{3} \\approx 0.68}"),
             ("-\\frac{2}{3}", T + "\\boxed{-\\frac{2}{3} \\approx -0.68}"),
             ("\\frac{13}{4}", T + "\\boxed{\\frac{13}{4} \\approx 4}"),
             ("\\frac13", T + "$\\boxed{\\left[ \\frac{1}{3} \\right)}$"), ("5", T + "\\boxed{(5]}")]
    _check(right, wrong)


def test_a_lettered_gold_option_also_matches_its_own_text_and_equations_match_assignments():
    right = [("\\textbf{(C) }12", T + "\\boxed{12}"), ("\\textbf{(C) }12", T + "\\boxed{C}"),
             ("C. x = 42", T + "\\boxed{42}"),
             ("C Cecile", T + "\\boxed{\\text{Cecile}}"), ("y = -2x + 3", T + "\\boxed{2x + y = 3}")]
    wrong = [("\\textbf{(C) }12", T + "\\boxed{13}"), ("\\textbf{(C) }12", T + "\\boxed{D}"),
             ("\\textbf{(C) }12", T + "\\boxed{D. 12}"),
             ("C. x = 42", T + "\\boxed{43}"), ("C Cecile", T + "\\boxed{\\text{Alina}}"),
             ("y = -2x + 3", T + "\\boxed{2x + y = 4}"),
             ("x = 2", T + "\\boxed{x^2 = 4}"), ("x = 2", T + "\\boxed{5 = 2}"), ("x = 2", T + "\\boxed{2 + 3 = 5}")]
    _check(right, wrong)


def test_a_true_computation_states_its_last_value():
    right = [("5", T + "\\boxed{2+3 = 5}"), ("5", T + "\\boxed{\\frac{1}{2} \\cdot 10 = 5}"),
             ("2", T + "\\boxed{\\sqrt{4} = 2}"),
             ("2\\cdot 3 = 6", T + "\\boxed{6}")]
    wrong = [("6", T + "\\boxed{2+3 = 6}"), ("5", T + "\\boxed{2+3 = 6}"), ("2", T + "\\boxed{5 = 2}"),
             ("5", T + "\\boxed{5 = 2}"),
             ("5", T + "\\boxed{2 + 3 = 5 = 6}"), ("2", T + "\\boxed{\\sqrt{4} = -2}"),
             ("\\frac{1}{2^{60}}", T + "\\boxed{2^{-60} = \\frac{1}{2^{61}}}"),
             ("101", T + "\\boxed{a+2z = 2z + a = 101}"),
             ("x = 2", T + "\\boxed{2 + 3 = 5}"), ("$7 = 11a+c$", "$11a+c$")]
    _check(right, wrong)


def test_second_thoughts_after_the_box_and_reasons_after_the_marked_value():
    alt = ("The final answer is $\\boxed{5}$. However, if the problem intended integers only, the answer would be "
           "$\\boxed{4}$.")
    doubt = "\\boxed{5}\n\nWait, let me reconsider. Actually, I think the answer should be 6."
    right = [("5", T + "The answer is 5 (since x > 0)."), ("12", T + "The total cost is \\$12."),
             ("15", T + "So \\boxed{12}. Wait, that was wrong; recomputing gives \\boxed{15}"),
             ("5", T + "\\boxed{5}\n\nWait, let me double-check: 2 * 5 = 10. Yes."),
             ("5", T + "Final Answer: $\\boxed{5}$ (assuming $x > 0$)")]
    wrong = [("4", T + alt), ("5", T + alt), ("5", T + doubt), ("6", T + doubt),
             ("5", T + "The answer is 5 (or -5 if negative)."),
             ("5", T + "The answer is 5 (when n is odd)."), ("12", T + "The total cost is \\$12 or \\$13.")]
    _check(right, wrong)


def test_degrees_inside_trigonometric_functions_and_indices_written_with_braces():
    right = [("\\cos 20^\\circ", T + "\\boxed{\\sin 70^\\circ}"),
             ("\\cos 20^\\circ", T + "\\boxed{\\cos(20^{\\circ})}"),
             ("a_n=2^{n}", T + "\\boxed{a_{n}=2^{n}}"), ("60^{\\circ}", T + "\\boxed{60}"),
             ("x_{1} = 3", T + "\\boxed{x_1 = 3}")]
    wrong = [("\\cos 20^\\circ", T + "\\boxed{\\cos 20}"), ("\\cos 20", T + "\\boxed{\\cos 20^\\circ}"),
             ("\\sin 30^\\circ", T + "\\boxed{\\sin 60^\\circ}"), ("a_n=2^{n}", T + "\\boxed{b_{n}=2^{n}}"),
             ("x_{1} = 3", T + "\\boxed{x_2 = 3}")]
    _check(right, wrong)


def test_what_math_verify_reads_wrongly_is_no_match():
    # it takes trailing letters for units, finds any two true statements or two equations without a real solution
    # equal, and a product of words equal to infinity
    limit = "\\lim_{{n \\to \\infty}} \\frac{{{}}}{{n}} = 0"
    right = [("2 \\pi a b", T + "\\boxed{2ab\\pi}"), ("y = -2x + 3", T + "\\boxed{4x + 2y = 6}"),
             ("x^2 = 4", T + "\\boxed{(x-2)(x+2) = 0}"), ("\\frac13", T + "$\\boxed{\\frac{1}{3} \\textbf{meters}}$"),
             ("125", T + "$\\boxed{125\\textnormal{ miles}}$"), ("-\\infty", T + "\\boxed{-\\infty}")]
    wrong = [("2 \\pi a b", T + "\\boxed{2 \\pi}"), ("2 \\pi", T + "\\boxed{2 \\pi a b}"), ("-9.8", T + "\\boxed{-9.8 t}"),
             ("y = \\frac12 \\cos 8", T + "\\boxed{y = \\frac12 \\cos 8 t}"), ("x^2+121=0", T + "\\boxed{x^2+18x+86=0}"),
             (limit.format(1), T + f"\\boxed{{{limit.format(2)}}}"), ("x^2+4x+20=0", T + "\\boxed{\\log(e^{\\ln 100}) = 2}"),
             ("9 (glasses)", T + "\\boxed{\\infty}"), ("\\infty", T + "\\boxed{-\\infty}")]
    _check(right, wrong)


def test_letters_keep_their_case():
    # math-verify's parser lowercases symbols: `R - r` was 0
    right = [("\\pi(R^2 - r^2)", T + "\\boxed{\\pi R^2 - \\pi r^2}"), ("\\frac{Mm}{r}", T + "\\boxed{\\frac{mM}{r}}"),
             ("x", T + "\\boxed{x}")]
    wrong = [("\\pi(R^2 - r^2)", T + "\\boxed{0}"), ("\\pi(R^2 - r^2)", T + "\\boxed{\\pi(r^2 - R^2)}"),
             ("R - r", T + "\\boxed{0}"), ("\\pi r^2", T + "\\boxed{\\pi R^2}"), ("\\frac{Mm}{r}", T + "\\boxed{\\frac{m^2}{r}}"),
             ("A+B", T + "\\boxed{a+b}")]
    _check(right, wrong)


def test_a_decimal_comma_before_only_zeros_is_a_list():
    right = [("1.22", T + "\\boxed{1,22}"), ("0.5", T + "\\boxed{0,5}"), ("-3, 0", T + "\\boxed{-3,0}")]
    wrong = [("-3", T + "\\boxed{-3,0}"), ("3", T + "\\boxed{3,00}"), ("-3,0", T + "\\boxed{-3}")]
    _check(right, wrong)


def test_letters_in_quotes_and_bare_lower_case_letters():
    # lighteval's gpqa_instruct cases: "Answer: "C"" is C; "Answer: c" is no letter
    right = [("C", T + 'So the answer is "C".\n\nAnswer: "C"'), ("C", T + "\\boxed{(c)}"), ("\\text{odd}", T + '\\boxed{"odd"}')]
    wrong = [("C", T + "So the answer is c.\n\nAnswer: c"), ("A", T + "\\boxed{a}"), ("C", T + 'Answer: "D"')]
    _check(right, wrong)


def test_unicode_math():
    right = [("-5", T + "\\boxed{−5}"), ("2\\sqrt{2}", T + "\\boxed{2√2}"), ("\\frac{3}{2}", T + "\\boxed{1½}"),
             ("x^2", T + "\\boxed{x²}"), ("10^{6}", T + "\\boxed{10⁶}"), ("\\leq 5", T + "\\boxed{≤ 5}"), ("\\infty", T + "\\boxed{∞}"),
             ("6", T + "\\boxed{2×3}"), ("2\\pi", T + "The answer is 2π.")]
    wrong = [("5", T + "\\boxed{−5}"), ("x^3", T + "\\boxed{x²}"), ("10^{6}", T + "\\boxed{10⁷}"), ("5", T + "\\boxed{≤ 5}"),
             ("-\\infty", T + "\\boxed{∞}"), ("\\frac{1}{2}", T + "\\boxed{1½}"), ("2", T + "\\boxed{√2}")]
    _check(right, wrong)
