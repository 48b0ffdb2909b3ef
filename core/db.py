"""`insert`: the INSERT of `Model.objects.create` / `bulk_create` for the rows a purchase writes,
without the ORM's per-call SQL compilation.

On the purchase path `create()` builds the same INSERT again for every row (docs/benchmarks.md
#13). Here the statement is built once per model
and only the values are prepared per row, by each field itself (`pre_save` for auto_now_add and
the like, `get_db_prep_save` for JSON, UUIDs, datetimes), as the ORM does. No signals are sent:
none is used for business flow (DESIGN.md). Only for plain models with an auto primary key and
no multi-table inheritance.

`insert_from` writes a row from what another statement returns, in the same round trip (a balance
change and its ledger row).
"""

from functools import cache

from django.db import connection
from django.db.models import Model


def _column(field) -> str:
    if field.column is None:  # only a field without a column of its own (a relation's other side)
        raise TypeError(f"{field!r} has no column")
    return field.column


@cache
def _statement(model: type[Model]) -> tuple[str, str, str, tuple]:
    meta = model._meta
    if meta.parents or not meta.pk.db_returning:
        raise TypeError(f"{model.__name__}: insert() handles plain models with an auto primary key")
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    # Only the model's own table and column names are formatted in; values are parameters.
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(_column(f)) for f in fields)}) VALUES "  # noqa: S608
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return head, row, f" RETURNING {quote(_column(meta.pk))}", fields


def insert(*objs: Model) -> None:
    """INSERTs the new, unsaved `objs` (all of one model) in one statement and sets their primary
    keys, in the caller's transaction."""
    if not objs:
        return
    head, row, returning, fields = _statement(type(objs[0]))
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(objs)) + returning, params)
        # PostgreSQL returns the rows of a multi-row VALUES in their order (bulk_create relies on it too).
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias


def insert_from(obj: Model, *, source: str, params: list, taken: dict[str, str]) -> bool:
    """INSERTs the new, unsaved `obj` in ONE statement with `source`, a data-modifying statement
    returning at most one row (e.g. `UPDATE … RETURNING amount`), run as a CTE: the fields named in
    `taken` (attname → column that `source` returns) come from its row, the others from `obj`.
    When `source` returns no row nothing is inserted and the result is False; otherwise obj gets its
    primary key and the taken values, and the result is True."""
    head, _row, returning, fields = _statement(type(obj))
    quote = connection.ops.quote_name
    select, values = [], []
    for field in fields:
        if field.attname in taken:
            select.append(f"src.{quote(taken[field.attname])}")
        else:
            select.append("%s")
            values.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    names = list(taken)
    # Only the caller's fixed statement and the model's own table and column names are formatted
    # in; values are parameters.
    sql = (
        f"WITH src AS ({source}) {head.removesuffix(' VALUES ')} SELECT {', '.join(select)} FROM src"  # noqa: S608
        f"{returning}, {', '.join(quote(_column(type(obj)._meta.get_field(name))) for name in names)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *values])
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    for name, value in zip(names, row[1:], strict=True):
        setattr(obj, name, value)
    obj._state.adding = False
    obj._state.db = connection.alias
    return True
