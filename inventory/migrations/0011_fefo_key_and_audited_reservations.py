"""One place for the first-expiry-first-out rule, and reservations in the audit trail.

- ``inventory_fefo_key(expires_on)``: the FEFO sort key of a lot's expiry date (infinity for no lot
  or no date), an inlinable SQL function. ``inventory_reserve`` orders its candidate balances by it,
  and the ORM orderings use it through ``inventory.sql.FefoKey``.
- ``inventory_reserve`` takes an eighth argument, ``p_audit`` (jsonb: the content type of
  Reservation, the actor, the actor's e-mail, the remote address and port, the correlation id) and
  writes an auditlog entry per reservation it creates, in the statement that creates them, as
  ``erp.audit.record_created`` would (same changes, same representation). Its other rules and its one
  round trip are those of migrations 0007 and 0009.
"""

import importlib

from django.db import migrations

PREVIOUS = importlib.import_module("inventory.migrations.0009_integer_document_and_line_ids")

FEFO_KEY = r"""
CREATE OR REPLACE FUNCTION inventory_fefo_key(p_expires_on date) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(p_expires_on, 'infinity'::date) $$;
"""


def _audited(sql: str) -> str:
    replacements = [
        ("DROP FUNCTION IF EXISTS inventory_reserve(bigint, integer, text, text, bigint, boolean, jsonb);\n", ""),
        ("    p_partial boolean, p_requests jsonb\n) RETURNS jsonb AS $$",
         "    p_partial boolean, p_requests jsonb, p_audit jsonb\n) RETURNS jsonb AS $$"),
        ("row_number() OVER (ORDER BY b.item_id, b.warehouse_id, coalesce(lot.expires_on, 'infinity'::date),",
         "row_number() OVER (ORDER BY b.item_id, b.warehouse_id, inventory_fefo_key(lot.expires_on),"),
        ("""        INSERT INTO inventory_reservation (
            company_id, item_id, warehouse_id, location_id, lot_id, quantity, issued_quantity, status,
            document_type_id, document_id, document_reference, line_id, created_at, created_by_id
        ) SELECT p_company, x.item, x.wh, x.loc, x.lot, x.qty, 0, 'active', p_doc_type, p_doc_id, p_reference,
                 x.line, now(), p_actor
            FROM unnest(r_item, r_wh, r_loc, r_lot, r_qty, r_line) WITH ORDINALITY AS x(item, wh, loc, lot, qty, line, n)
           ORDER BY x.n;
""", """        WITH r AS (
            INSERT INTO inventory_reservation (
                company_id, item_id, warehouse_id, location_id, lot_id, quantity, issued_quantity, status,
                document_type_id, document_id, document_reference, line_id, created_at, created_by_id
            ) SELECT p_company, x.item, x.wh, x.loc, x.lot, x.qty, 0, 'active', p_doc_type, p_doc_id, p_reference,
                     x.line, now(), p_actor
                FROM unnest(r_item, r_wh, r_loc, r_lot, r_qty, r_line) WITH ORDINALITY AS x(item, wh, loc, lot, qty, line, n)
               ORDER BY x.n
            RETURNING *
        )
        -- the audit entries (erp.audit.record_created's, in the same statement): the changes as
        -- auditlog's diff writes them, text values and 'None' for NULL
        INSERT INTO auditlog_logentry (
            content_type_id, object_pk, object_id, object_repr, action, changes_text, changes, actor_id, actor_email,
            remote_addr, remote_port, cid, "timestamp"
        ) SELECT (p_audit->>'content_type')::integer, r.id::text, r.id,
                 r.document_reference || ' ' || i.code || ' ' || r.quantity::text, 0, '',
                 jsonb_build_object(
                     'id', jsonb_build_array('None', r.id::text),
                     'company', jsonb_build_array('None', r.company_id::text),
                     'item', jsonb_build_array('None', r.item_id::text),
                     'warehouse', jsonb_build_array('None', r.warehouse_id::text),
                     'location', jsonb_build_array('None', r.location_id::text),
                     'lot', jsonb_build_array('None', coalesce(r.lot_id::text, 'None')),
                     'quantity', jsonb_build_array('None', r.quantity::text),
                     'issued_quantity', jsonb_build_array('None', r.issued_quantity::text),
                     'status', jsonb_build_array('None', r.status),
                     'document_type', jsonb_build_array('None', coalesce(r.document_type_id::text, 'None')),
                     'document_id', jsonb_build_array('None', coalesce(r.document_id::text, 'None')),
                     'document_reference', jsonb_build_array('None', r.document_reference),
                     -- the generic foreign key: the document as text, which is its reference
                     'document', jsonb_build_array('None', CASE WHEN r.document_type_id IS NULL THEN 'None'
                                                                ELSE r.document_reference END),
                     'line_id', jsonb_build_array('None', coalesce(r.line_id::text, 'None')),
                     -- naive UTC, microseconds only when there are some: as auditlog's diff writes it
                     'created_at', jsonb_build_array('None', to_char(r.created_at AT TIME ZONE 'UTC',
                         CASE WHEN date_trunc('second', r.created_at) = r.created_at THEN 'YYYY-MM-DD HH24:MI:SS'
                              ELSE 'YYYY-MM-DD HH24:MI:SS.US' END)),
                     'created_by', jsonb_build_array('None', coalesce(r.created_by_id::text, 'None'))),
                 (p_audit->>'actor')::bigint, p_audit->>'actor_email', (p_audit->>'remote_addr')::inet,
                 (p_audit->>'remote_port')::integer, p_audit->>'cid', now()
            FROM r JOIN inventory_item i ON i.id = r.item_id
           ORDER BY r.id;
"""),
    ]
    for old, new in replacements:
        assert old in sql, old
        sql = sql.replace(old, new)
    return sql


SQL = FEFO_KEY + PREVIOUS.REVERSE + _audited(PREVIOUS.SQL)

REVERSE = (
    "DROP FUNCTION IF EXISTS inventory_reserve(bigint, integer, bigint, text, bigint, boolean, jsonb, jsonb);\n"
    + PREVIOUS.SQL.replace(
        "DROP FUNCTION IF EXISTS inventory_reserve(bigint, integer, text, text, bigint, boolean, jsonb);\n", "")
    + "DROP FUNCTION IF EXISTS inventory_fefo_key(date);\n"
)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0010_warehouse_view_all_permission"), ("auditlog", "0017_add_actor_email")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
