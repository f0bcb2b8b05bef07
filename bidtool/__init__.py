"""bidtool: the bidder's tool, run on the bidder's machine (no Django; it imports only `signing`).

Seal, verify and inspect a sealed bid offline; log in, submit, withdraw and check receipts
online; hand over keys and check the opening record at the opening. `bidtool.cli.main` is the
console script.
"""
