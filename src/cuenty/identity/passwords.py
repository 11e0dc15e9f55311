"""Password rules: at least 10 characters, at most 72 bytes, and not a common password."""

from __future__ import annotations

import unicodedata

from cuenty.identity.errors import WeakPasswordError
from cuenty.kit.i18n import N_
from cuenty.kit.security import MAX_PASSWORD_BYTES

MIN_PASSWORD_LENGTH = 10

# Passwords seen most often in public breach corpora, plus Spanish and Mexican favourites
# and this product's own name; compared case-insensitively.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "0123456789",
        "1q2w3e4r5t",
        "qwertyuiop",
        "password12",
        "password123",
        "password1!",
        "passw0rd123",
        "iloveyou12",
        "iloveyou123",
        "qwerty1234",
        "qwerty12345",
        "abc1234567",
        "abcdefghij",
        "aaaaaaaaaa",
        "1111111111",
        "0000000000",
        "9876543210",
        "contraseña",
        "contrasena",
        "contraseña1",
        "contrasena1",
        "contraseña123",
        "contrasena123",
        "teamo12345",
        "tequiero123",
        "mexico1234",
        "mexico12345",
        "mexico2024",
        "mexico2025",
        "mexico2026",
        "chivas1234",
        "americacampeon",
        "cruzazul12",
        "pumasunam1",
        "guadalupe1",
        "princesa12",
        "estrellita",
        "cuenty1234",
        "cuenty12345",
        "cuentycuenty",
        "netflix123",
        "netflix1234",
        "spotify123",
        "welcome123",
        "letmein123",
        "admin12345",
        "administrator",
        "superman12",
        "dragonball",
        "pokemon123",
        "football12",
        "baseball12",
    }
)


def check_password_strength(password: str) -> None:
    """Raise WeakPasswordError naming the rule the password breaks."""
    normalized = unicodedata.normalize("NFKC", password)
    if len(normalized) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(
            N_("The password must have at least {minimum} characters."),
            params={"minimum": MIN_PASSWORD_LENGTH},
        )
    if len(normalized.encode()) > MAX_PASSWORD_BYTES:
        raise WeakPasswordError(
            N_("The password must have at most {maximum} bytes."),
            params={"maximum": MAX_PASSWORD_BYTES},
        )
    if normalized.casefold() in COMMON_PASSWORDS or len(set(normalized)) <= 2:
        raise WeakPasswordError(N_("The password is too common; choose another one."))
