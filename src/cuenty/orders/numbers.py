"""Order numbers: `CTY-YYYYMMDD-XXXXXX`, dated by the Mexico City day the order was placed.

The suffix is random, not a sequence, so a number reveals nothing about sales volume; it
uses an alphabet without look-alike characters (no 0/O, 1/I/L) for reading over the phone.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from cuenty.kit.clock import business_date

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SUFFIX_LENGTH = 6
PATTERN = re.compile(r"^CTY-\d{8}-[" + ALPHABET + r"]{6}$")


def new_number(moment: datetime) -> str:
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"CTY-{business_date(moment):%Y%m%d}-{suffix}"
