"""Column type changes: free when the new type is binary coercible from the old (varchar growth, text, numeric
precision growth at the same scale), a rewrite under ACCESS EXCLUSIVE otherwise. With the schema in hand
(`FileContext.schema`) the old type is known and the rule decides; without it, it says what it cannot tell."""

from __future__ import annotations

from collections.abc import Iterator

from dbworkbench.lint.findings import Severity
from dbworkbench.lint.rules import FileContext, Hit, Node, _name, _type_name

BINARY_COERCIBLE_TARGETS = frozenset({"text", "varchar", "bpchar", "citext", "numeric"})
"""Type names a column may change to without a rewrite: varchar/text length growth or removal, numeric
precision growth with the same scale (free only from the same family; the old type is not in the file)."""

def type_text(column: Node) -> str:
    """The ColumnDef's type with its modifiers (`varchar(100)`), as `lint.catalog` compares types."""
    type_name = column.get("typeName", {})
    names = [n["String"]["sval"] for n in type_name.get("names", []) if "String" in n and n["String"]["sval"] != "pg_catalog"]
    mods = [str(m["A_Const"]["ival"].get("ival", 0)) for m in type_name.get("typmods", [])
            if "A_Const" in m and "ival" in m["A_Const"]]
    return ".".join(names) + (f"({','.join(mods)})" if mods else "") + "[]" * len(type_name.get("arrayBounds", []))


def type_change_hits(table: Node, cmd: Node, context: FileContext) -> Iterator[Hit]:
    column = cmd.get("def", {}).get("ColumnDef", {})
    target, modified = _type_name(column)
    name = f"{_name(table)}.{cmd.get('name')}"
    views = context.schema.views_using(_name(table), cmd.get("name", "")) if context.schema is not None else ()
    if views:
        yield Hit("type-change-under-a-view", Severity.ERROR,
                  f"ALTER COLUMN {name} TYPE {type_text(column)} fails while {', '.join(views)} use the column "
                  "(PostgreSQL cannot change the type of a column a view or rule depends on).",
                  "Drop those views in the same migration, change the type, and create them again (in one "
                  "transaction, so readers never see them missing).", column.get("location"))
        return
    plain = not column.get("raw_default") and "USING" not in str(column)
    known = context.schema.type_change_rewrites(_name(table), cmd.get("name", ""), type_text(column)) \
        if context.schema is not None and plain else None
    if known is False and context.schema is not None and context.schema.check_reads(_name(table), cmd.get("name", "")):
        yield Hit("changing-column-type", Severity.ERROR,
                  f"ALTER COLUMN {name} TYPE {type_text(column)} needs no rewrite, but a CHECK constraint reads the "
                  "column, so every row is verified again under ACCESS EXCLUSIVE.",
                  "Drop the CHECK first and add it back NOT VALID, then VALIDATE it in a later migration.",
                  column.get("location"))
        return
    if known is not None:
        if known:
            yield Hit("changing-column-type", Severity.ERROR,
                      f"ALTER COLUMN {name} TYPE {type_text(column)} rewrites the table (and its indexes) under "
                      f"ACCESS EXCLUSIVE: the column's type in the {context.schema.source} "  # type: ignore[union-attr]
                      "is not one it can change to in place.",
                      "Add a new column, backfill it in batches, keep it in sync with a trigger, then swap in a later "
                      "migration.", column.get("location"))
        else:
            yield Hit("changing-column-type", Severity.INFO,
                      f"ALTER COLUMN {name} TYPE {type_text(column)} is free here (binary coercible from the "
                      "column's current type: no rewrite, no scan).", "Fine as is.", column.get("location"))
        return
    if target in BINARY_COERCIBLE_TARGETS and not column.get("raw_default") and "USING" not in str(column):
        if target in ("text", "citext") or (not modified and target != "numeric"):
            yield Hit("changing-column-type", Severity.INFO,
                      f"changing {name} to {target} is free only from varchar/text (binary coercible).",
                      "Fine from varchar(n) or text; otherwise it rewrites the table.", column.get("location"))
        else:
            yield Hit("changing-column-type", Severity.WARNING,
                      f"changing {name} to {target}(…) is free only when its length or precision grows within the "
                      "same type (same scale for numeric); shrinking or converting another type rewrites the table "
                      "under ACCESS EXCLUSIVE.",
                      "Grow varchar lengths only; otherwise add a new column, backfill, and swap.", column.get("location"))
        return
    yield Hit("changing-column-type", Severity.ERROR,
              f"ALTER COLUMN {name} TYPE {target} rewrites the table (and its indexes) under ACCESS EXCLUSIVE.",
              "Add a new column, backfill it in batches, keep it in sync with a trigger, then swap in a later "
              "migration.", column.get("location"))


