"""Collusion screens (围标串标, 招标投标法实施条例 第三十九条、第四十条) over one tender's bids.

The screens are pure functions over a small typed record per bid (`inputs.BidEvidence`): no
database, so they are tested with hand-computed tables and measured in bench/. `services`
gathers the records of a tender after its opening with a fixed number of queries, runs every
screen (`screens.screen_bids`) and raises each finding as a sealed alert for supervisors.

A finding is a sign for a supervisor to look at, never a verdict: 条例 第四十条 says when bids
are *deemed* collusive, and only the panel (条例 第五十一条) or the supervising authority decides.
"""
