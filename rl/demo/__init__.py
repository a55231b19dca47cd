"""The CPU learning demonstration (shared design, section 7): task families a ~1M-parameter model can learn,
a calibrated cold start, and the report of a demo run.

- `rl.demo.data`: seeded rows of each family in the row schema (`python -m rl.demo data ...`), with gold traces;
- `rl.demo.coldstart`: a short SFT of the tiny Qwen2, stopped at the first checkpoint whose calibration accuracy
  is inside a target band on every family;
- `rl.demo.report`: `learning.json`, paired-bootstrap rises and the plot.
"""
