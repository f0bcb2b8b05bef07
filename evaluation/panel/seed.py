"""The draw's seed: 32 bytes from `secrets`, kept wrapped under the platform evaluation key
(HPKE, signing.conf) until the panel is revealed; only its SHA-256 is public before."""

import secrets

from bids.sealed_objects import evaluation_unwrap, evaluation_wrap
from evaluation.models import Panel
from evaluation.panel.algorithm import SEED_BYTES, seed_sha256
from monitoring.transitions import StateInvariantBroken


def seed_purpose(panel: Panel) -> str:
    """What the wrap is bound to: a seed unwrapped for another panel fails to authenticate."""
    return f"panel draw seed of panel {panel.pk}"


def seed_new() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def seed_wrap(panel: Panel, seed: bytes) -> None:
    """Set the panel's wrapped seed and its digest (the caller saves)."""
    method, wrapped, _key_id = evaluation_wrap(seed, purpose=seed_purpose(panel))
    panel.seed_wrap_method, panel.seed_wrapped = method, wrapped
    panel.seed_sha256 = seed_sha256(seed)


def seed_unwrap(panel: Panel) -> bytes:
    """The seed, checked against the digest committed before the draw. Unchecked access: the
    draw, the reveal and a supervisor's logged read call it."""
    seed = evaluation_unwrap(
        panel.seed_wrap_method, bytes(panel.seed_wrapped), purpose=seed_purpose(panel)
    )
    if seed_sha256(seed) != panel.seed_sha256:
        raise StateInvariantBroken(f"the seed of panel {panel.pk} does not match its SHA-256")
    return seed
