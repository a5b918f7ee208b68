"""Many rows into one table by COPY (psycopg 3), for the dataset import's bulk writers.

COPY takes rows as a stream: no SQL to build and parse for thousands of parameters, which
for 3,000-character articles costs as much as the INSERT itself, and no model instances.
The database's checks, unique rules and triggers apply as for an INSERT.
"""

from django.db import connection, models
from django.utils import timezone
from psycopg import sql


def rows_copy(model: type[models.Model], rows: list[dict]) -> list[dict]:
    """Insert `rows` (column attname -> value; one not given takes its field's default, an
    auto_now field the time now) into `model`'s table; returns them as stored, every column
    with its id, in order. Errors are Django's (an IntegrityError for a broken rule), as from
    an INSERT."""
    if not rows:
        return []
    fields = model._meta.concrete_fields
    defaults = {field.attname: field.get_default() for field in fields}
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
    # psycopg adapts str, numbers, datetimes and None itself; a JSON value needs its field.
    adapted = [f for f in fields if f.get_internal_type() == "JSONField"]
    table = model._meta.db_table
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # pghistory puts its context (set_config, local to the transaction) before each
        # statement through Django's cursor but SELECTs: this one starts with WITH to carry
        # it, and it holds for the COPY.
        cursor.execute(
            "WITH ids AS (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id"
            " FROM generate_series(1, %s)) SELECT id FROM ids",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        stored = []
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
        )
        with cursor.cursor.copy(statement) as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = defaults | row
                values["id"] = pk
                for field in adapted:
                    value = values[field.attname]
                    values[field.attname] = field.get_db_prep_save(value, connection)
                copy.write_row([values[field.attname] for field in fields])
                stored.append(values)
    return stored


def rows_update(instances: list[models.Model], names: list[str]) -> None:
    """Save the fields `names` (attnames: "article_id") of many instances of one model,
    each with its own values, in one UPDATE … FROM (VALUES …). Django's bulk_update writes
    a CASE per column and row, whose expressions cost more CPU (75 ms for 32 import items)
    than the statement itself."""
    if not instances:
        return
    model = type(instances[0])
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [pk] + [model._meta.get_field(name) for name in names]
    # Typed, as the VALUES' columns take their types from them.
    row = "(" + ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields) + ")"
    statement = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET "  # noqa: S608 (names from the model)
        + ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
        + f" FROM (VALUES {', '.join([row] * len(instances))})"
        + f" AS v ({', '.join(quote(f.column) for f in fields)})"
        + f" WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    params = [
        field.get_db_prep_save(getattr(instance, field.attname), connection)
        for instance in instances
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
