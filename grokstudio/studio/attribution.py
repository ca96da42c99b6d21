"""Who asked, as xAI is told: a stable id per studio account that reveals nothing about it.

xAI's requests carry an optional end-user id (the SDK's `user`) that helps xAI tell one
abusive person from a whole team sharing a key. The studio sends a keyed hash of the
account's primary key, never a username or an e-mail address: the same account always
sends the same id, and nobody without the SECRET_KEY can tell whose it is.
"""

from django.utils.crypto import salted_hmac

# Changing the salt changes every id xAI has seen: a fresh start for its abuse records.
SALT = "grokstudio.xai-end-user"


def xai_user_id(user_id: int) -> str:
    return salted_hmac(SALT, str(user_id), algorithm="sha256").hexdigest()
