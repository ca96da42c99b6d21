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
    """The SQL and, per column, the converters Django would apply to its value."""
    User = get_user_model()
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = User._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {quote(User._meta.pk.column)} = %s"
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(User._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
        converters.extend((index, function, expression) for function in functions)
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
        values = list(row)
        for index, function, expression in converters:
            values[index] = function(values[index], expression, connection)
        user = User.from_db(alias, names, values)
        return user if self.user_can_authenticate(user) else None
