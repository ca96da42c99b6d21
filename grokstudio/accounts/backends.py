"""Sign-in checks as Django's own, with a cheaper lookup of the signed-in user.

Every request of a signed-in person loads their user row, the gallery's poll
every two seconds included. Django's `get(pk=...)` spends most of its time
building the query; the same row read with one fixed SQL statement, its values
converted by the fields' own converters, costs a fraction of that. What is
checked stays Django's: the account must be active, and the session's
password hash is compared by Django's auth as before.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router


@cache
def _statement(alias: str):
    User = get_user_model()
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = User._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {quote(User._meta.pk.column)} = %s"
    converters = []
    for field in fields:
        column = field.get_col(User._meta.db_table)
        converters.append(connection.ops.get_db_converters(column) + field.get_db_converters(connection))
    return sql, [f.attname for f in fields], converters


class StudioModelBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(User)
        sql, names, converters = _statement(alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for value, field_converters, field in zip(row, converters, User._meta.concrete_fields, strict=True):
            for converter in field_converters:
                value = converter(value, field.get_col(User._meta.db_table), connection)
            values.append(value)
        user = User.from_db(alias, names, values)
        return user if self.user_can_authenticate(user) else None
