"""The supervisors' side (监督): the console, alert rules and complaints will live here.

It sits on top of every app and reads them all; no app imports it. What every app writes to (the
clock, the event chain, transitions, checkpoints, the chronograph) stays in `monitoring`, the
bottom layer (docs/architecture.md).
"""
