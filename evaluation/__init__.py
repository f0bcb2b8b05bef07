"""The closed evaluation (评标全封闭): the expert pool (pool/), the panel drawn from a committed
seed (panel/), the closed area where the panel reads bids (room/), the session's review,
scoring and consolidation (session/), and the signed report (report/). docs/evaluation.md."""
