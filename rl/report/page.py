"""The report as one self-contained HTML page (no external resources; plots are inlined base64 PNGs).

The page checks itself when it loads: a script sets `<body data-report-status>` to `ok` once every plot image has
decoded with a non-zero size, or to `broken: ...` naming what failed (read by the screenshot test through a headless
browser's DOM dump).
"""

from __future__ import annotations

import html
from typing import Any

from rl.report.collect import ReportData
from rl.report.plots import stage_png

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f3f3f3}.pass{color:#11772b;font-weight:600}.fail{color:#b00020;font-weight:600}
.ci{color:#666;font-size:11px}img.plot{max-width:100%;border:1px solid #eee}
pre{white-space:pre-wrap;background:#f8f8f8;padding:8px;font-size:12px;max-height:300px;overflow:auto}
.note{color:#666;font-size:12px}
"""
CHECK_SCRIPT = """
window.addEventListener('load', function () {
  var bad = [];
  document.querySelectorAll('img').forEach(function (img, i) {
    if (!img.complete || img.naturalWidth === 0 || img.naturalHeight === 0) bad.push(img.alt || ('image ' + i));
  });
  document.body.setAttribute('data-report-status', bad.length ? 'broken: ' + bad.join(', ') : 'ok');
});
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "-"


def _stages(data: ReportData) -> str:
    if not data.stages:
        return "<p class='note'>No training stage found.</p>"
    parts = []
    for stage in data.stages:
        state = "" if stage.finished else " (running: newest checkpoint)"
        parts.append(f"<h3>{_e(stage.name)}{state}</h3>")
        if not stage.history:
            parts.append("<p class='note'>No logged steps.</p>")
            continue
        png = stage_png(stage.history, f"stage {stage.name}")
        parts.append(f"<img class='plot' alt='curves of stage {_e(stage.name)}' src='data:image/png;base64,{png}'>")
    return "\n".join(parts)


def _gate_index(gates: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(g.get("model", ""), g.get("benchmark", "")): g for g in gates}


def _cell(m: dict[str, Any], gate: dict[str, Any] | None) -> str:
    ci = m.get("ci95")
    ci_text = f"<div class='ci'>95% CI [{_num(ci[0])}, {_num(ci[1])}]</div>" if ci else ""
    extra = [f"pass@{k} {_num(v)}" for k, v in (m.get("pass@k") or {}).items()]
    if "maj@n" in m:
        extra.append(f"maj@{m.get('n_samples')} {_num(m['maj@n'])}")
    if "ast_accuracy" in m:
        extra.append(f"AST {_num(m['ast_accuracy'])}")
    for key, value in (m.get("ifeval") or {}).items():
        extra.append(f"{key.replace('_', ' ')} {_num(value)}")
    if m.get("unscored"):
        extra.append(f"{m['unscored']} unscored")
    verdict = ""
    if gate is not None:
        ok = gate.get("passed")
        verdict = (f"<div class='{'pass' if ok else 'fail'}'>gate {'passed' if ok else 'FAILED'} (drop "
                   f"{_num(gate.get('drop'))}, max {_num(gate.get('max_drop'))})</div>")
    return (f"<td><b>{_num(m.get('pass@1'))}</b>{ci_text}<div class='ci'>{_e(' · '.join(extra))}</div>{verdict}</td>")


def _results(data: ReportData) -> str:
    if not data.results:
        return "<p class='note'>No evaluation results.</p>"
    labels = list(data.results)
    benches: list[str] = []
    for label in labels:
        benches += [b for b in data.results[label] if b not in benches]
    gates = _gate_index(data.gates)
    head = "".join(f"<th>{_e(label)}</th>" for label in labels)
    rows = []
    for bench in benches:
        cells = "".join(_cell(data.results[label][bench], gates.get((label, bench))) if bench in data.results[label]
                        else "<td>-</td>" for label in labels)
        rows.append(f"<tr><th>{_e(bench)}</th>{cells}</tr>")
    release = ""
    if data.release:
        release = (f"<p>Release: <b>{_e(data.release.get('stage'))}</b> "
                   f"(<code>{_e(data.release.get('model'))}</code>)</p>")
    return f"{release}<table><tr><th>benchmark (pass@1)</th>{head}</tr>{''.join(rows)}</table>"


def _samples(data: ReportData) -> str:
    if not data.samples:
        return "<p class='note'>No scored samples.</p>"
    parts = []
    for s in data.samples:
        parts.append(f"<h4>{_e(s['kind'])} · {_e(s['model'])} · {_e(s['benchmark'])} · id {_e(s['id'])} · score "
                     f"{_num(s['score'])}</h4><pre>{_e(s['prompt'])}</pre><pre>{_e(s['completion'])}</pre>")
    return "\n".join(parts)


def render(data: ReportData) -> str:
    """The whole page."""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Run report: {_e(data.title)}</title>"
            f"<style>{STYLE}</style></head><body data-report-status='loading'>"
            f"<h1>Run report: {_e(data.title)}</h1>"
            f"<h2>Training stages</h2>{_stages(data)}"
            f"<h2>Evaluation</h2>{_results(data)}"
            f"<h2>Sample completions (best and worst of the last model evaluated)</h2>{_samples(data)}"
            f"<script>{CHECK_SCRIPT}</script></body></html>")
