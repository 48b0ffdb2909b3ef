"""Request fields of the auth API whose OpenAPI schema states what the server accepts, so a
client generated from the schema sends nothing it is refused for (issue 17, point 13). They
validate exactly as DRF's CharField (and then `user_signup`) do; only the schema is sharper:

- DRF's CharField refuses a NUL character (ProhibitNullCharactersValidator) on every text field;
- a username is Django's (`UnicodeUsernameValidator`: letters, digits and @ . + - _, ≤ 150);
- a password has at least 8 characters, not all digits (MinimumLength and Numeric validators).

What no schema can say stays a 400 with field errors: a username already taken, a password too
common or too like the username."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Lengths are written into the patterns rather than as minLength / maxLength beside them:
# schemathesis folds such pairs into one pattern and, for these, drew values shorter than allowed.
NO_NUL = r"^[^\u0000]+$"
USERNAME_PATTERN = r"^[\w.@+-]{1,150}$"
PASSWORD_PATTERN = r"^[^\u0000]{8,128}$"
ALL_DIGITS = r"^\d*$"  # a password may not be all digits


@extend_schema_field({"type": "string", "pattern": NO_NUL})
class TextField(serializers.CharField):
    """CharField, with the NUL it refuses said in the schema."""


@extend_schema_field({"type": "string", "pattern": USERNAME_PATTERN})
class UsernameField(serializers.CharField):
    """A new account's username (signup)."""


@extend_schema_field({"type": "string", "pattern": PASSWORD_PATTERN, "not": {"pattern": ALL_DIGITS}})
class NewPasswordField(serializers.CharField):
    """A new account's password (signup)."""
