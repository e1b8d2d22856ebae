"""Flownally-style IDs: `{prefix}_{ULID}` in Crockford base32.

Seeded records get IDs that depend only on (seed, index), never on the clock, so the same
seed gives the same tenant on every start. Their random part also carries the record's
index behind a marker byte, so a message ID from before a restart still finds its
conversation (whose history is generated on first use).
"""

from __future__ import annotations

import re
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {ch: i for i, ch in enumerate(_ALPHABET)}

PATTERNS = {
    prefix: re.compile(rf"{prefix}_[0-9A-Za-z]{{10,64}}")
    for prefix in ("tn", "ibx", "usr", "con", "cnv", "msg", "mda", "rxn")
}

_GENERATED_MARK = 0xA5


_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # 10 bits -> 2 characters


def ulid(prefix: str, time_ms: int, random80: int) -> str:
    value = ((time_ms & (2**48 - 1)) << 80) | (random80 & (2**80 - 1))
    # 26 characters = 130 bits, taken 10 at a time (start-up mints hundreds of thousands).
    return prefix + "_" + "".join(_PAIRS[(value >> shift) & 0x3FF] for shift in range(120, -1, -10))


def new_id(prefix: str, time_ms: int) -> str:
    """A fresh ID for something created at run time."""
    return ulid(prefix, time_ms, secrets.randbits(80) & ~(0xFF << 72))


def seeded_id(prefix: str, seed: int, index: int, sub: int = 0) -> str:
    """A deterministic ID for seeded record `index` (and its `sub`-th child, for messages)."""
    mixed = (seed * 0x9E3779B1 + index * 0x85EBCA77 + sub * 0xC2B2AE3D) & 0xFFFFFF
    random80 = (
        (_GENERATED_MARK << 72) | ((index & 0xFFFFFFFF) << 40) | ((sub & 0xFFFF) << 24) | mixed
    )
    # The time part is a fixed epoch plus the index: stable across runs, sortable by index.
    return ulid(prefix, 1_767_225_600_000 + index, random80)


def seeded_index(record_id: str) -> tuple[int, int] | None:
    """(index, sub) of a seeded ID, or None for IDs minted at run time or by other systems."""
    _, _, body = record_id.partition("_")
    if len(body) != 26 or any(ch not in _DECODE for ch in body):
        return None
    random80 = 0
    for ch in body[10:]:
        random80 = random80 * 32 + _DECODE[ch]
    if random80 >> 72 != _GENERATED_MARK:
        return None
    return (random80 >> 40) & 0xFFFFFFFF, (random80 >> 24) & 0xFFFF


def matches(prefix: str, value: object) -> bool:
    return isinstance(value, str) and PATTERNS[prefix].fullmatch(value) is not None
