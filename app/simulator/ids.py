"""Identifiers, content hashes and timestamps shaped like FieldAgent's.

sentera_ids look like `84mj0xz_MO_ljkuAcme_CV_deve_12421c42d_211221_133840`: seven
random-looking characters, a type code, an account token, and the creation date/time.
The seven characters come from a bijective scramble of a per-kind serial number, so ids
are unique by construction and identical for the same seed on every run.

Content hashes are 16 characters of standard base64 (so `/` and `+` occur) over a
digest of the item's canonical JSON: the same content always gives the same hash, and
any change of content gives a new one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

# Type codes seen in FieldAgent ids.
ORGANIZATION = "OR"
FIELD = "AS"
SURVEY = "CO"
MOSAIC = "MO"
FILE = "FI"
USER = "US"

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_SPACE = 36**7
# Odd and not multiples of 3, hence coprime with 36**7: each affine step is a bijection,
# and so is rotating the base-36 digits, so serial -> prefix is one too.
_MULTIPLIERS = (48_210_885_769, 29_606_474_953, 61_734_119_845)
_KIND_OFFSETS = {ORGANIZATION: 11, FIELD: 23, SURVEY: 37, MOSAIC: 53, FILE: 71, USER: 97}
# Ids carry a local (US Central) time, as in Sentera's examples.
_ID_CLOCK_OFFSET = timedelta(hours=-6)

_INTERNAL_KEYS = frozenset({"__typename", "content_hash"})


def _base36(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 36)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


class IdFactory:
    """Mints sentera_ids for one account; deterministic for a seed."""

    def __init__(self, seed: int, account_word: str) -> None:
        rng = random.Random(f"ids/{seed}")
        self._seed = seed
        prefix = "".join(rng.choice(_ALPHABET) for _ in range(4))
        self.token = f"{prefix}{account_word}_CV_prod_{rng.getrandbits(36):09x}"

    def make(self, kind: str, serial: int, created: datetime) -> str:
        scrambled = serial
        for round_, multiplier in enumerate(_MULTIPLIERS):
            offset = self._seed * 7_919 + _KIND_OFFSETS[kind] * 104_729 + round_ * 1_299_709
            scrambled = (scrambled * multiplier + offset) % _SPACE
            scrambled = (scrambled % 36**4) * 36**3 + scrambled // 36**4
        stamp = (created + _ID_CLOCK_OFFSET).strftime("%y%m%d_%H%M%S")
        return f"{_base36(scrambled, 7)}_{kind}_{self.token}_{stamp}"


def _canonical(value: Any) -> Any:
    """Reduce references to other records (users, parents) to their ids."""
    if type(value) is dict:  # items hold plain dicts; the exact check keeps this fast
        if "sentera_id" in value:
            return value["sentera_id"]
        return {k: _canonical(v) for k, v in value.items()}
    if type(value) is list:
        return [_canonical(v) for v in value]
    return value


def content_hash(item: Mapping[str, Any]) -> str:
    """The 16-character base64 hash of an item's content (ignoring the hash itself)."""
    body = {k: _canonical(v) for k, v in item.items() if k not in _INTERNAL_KEYS}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return base64.b64encode(hashlib.sha256(raw).digest()[:12]).decode("ascii")


def iso(moment: datetime) -> str:
    """FieldAgent's timestamp form: UTC, second precision, `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
