"""The remote opening hall (不见面开标: DESIGN §5 step 6, 办法 第29–31条; docs/opening.md).

sign in (sign_in.py) → the host announces the ceiling price and opens the decryption window
(start.py) → each bidder hands over its data key, unwrapped on its own machine (keys.py), or
the opening committee recovers it through escrow (escrow.py) → a worker decrypts and checks
each bid (decryption.py, queued by dispatch.py, its results recorded by results.py) → when
every bid is done, or the window is over (window.py, swept by sweep.py), the price reading:
each bidder confirms its line or objects, the host answers (reading.py) → the host finalises:
the record is signed, timestamped and published (record.py).

What every step checks first is in checks.py; every refusal is on record (refusals.py). What
each viewer sees is the hall's read model (hall.py); pages in views.py, the API in api.py.

A data key is never stored in clear: it is checked at once (it must open the bid's manifest),
then kept wrapped under the platform evaluation key. Every refusal raises `BidRefused` with a
code and a message naming what is wrong, and writes an event; nothing else changes.
"""
