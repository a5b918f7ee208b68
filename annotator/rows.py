"""Model instances from a hand-written SELECT that joins tables, for the few lookups that
every API call and span save makes (its token, its project membership, its article).

Django builds and compiles a queryset's SQL on every run: for these joins about 0.8 ms of
CPU each, four to six times what PostgreSQL and psycopg spend on the query itself, and a
third of a span save's CPU. Here the SQL is a constant; the columns come from the models
(a field added to one is read too), and each value goes through its field's converters,
as the ORM would.
"""

from functools import cache

from django.db import connection, models


def columns(model: type[models.Model], alias: str) -> str:
    """Every column of `model`, from the table named `alias`, in the order instances()
    reads them."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


@cache
def _converters(model: type[models.Model]) -> tuple:
    """(index, column expression, converters) of the fields whose database value needs one
    (e.g. JSON): what the ORM's compiler applies."""
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            found.append((index, column, tuple(functions)))
    return tuple(found)


def instances(row, *models_in_row: type[models.Model]) -> list:
    """The row cut into one instance per model, whose columns() it holds one after the
    other; a model whose primary key is NULL (a LEFT JOIN that found nothing) gives None."""
    made, start = [], 0
    for model in models_in_row:
        fields = model._meta.concrete_fields
        values = list(row[start : start + len(fields)])
        start += len(fields)
        if values[fields.index(model._meta.pk)] is None:
            made.append(None)
            continue
        for index, column, functions in _converters(model):
            for function in functions:
                values[index] = function(values[index], column, connection)
        made.append(model.from_db(connection.alias, None, values))
    return made


def fetch_one(sql: str, params, *models_in_row: type[models.Model]) -> list | None:
    """instances() of the first row of `sql`, or None when it finds none."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else instances(row, *models_in_row)
