"""Reservations are audited at document level: one entry per call of ``inventory_reserve``, on the
document the stock is reserved for, not one per reservation row.

A confirmation of five lines wrote five reservation entries of ~500 bytes each (every column as
"None → value"), each with the nine auditlog indexes to maintain: together with the lines' entries
they took the confirmation from 110 to 84 per second (bench/README.md, "Sales figures"). The
document's entry says what was reserved where — ``reserved``: "item quantity @ location [/ lot]", one
per reservation, in the order they were made — which is what a reader of the order's history wants;
the reservation rows themselves keep their document, line, actor and time. ``p_audit`` keeps its
shape (its ``content_type`` is no longer read). The other rules are those of migration 0011.
"""

import importlib

from django.db import migrations

PREVIOUS = importlib.import_module("inventory.migrations.0011_fefo_key_and_audited_reservations")

ROW_ENTRIES = PREVIOUS.SQL[PREVIOUS.SQL.index("        -- the audit entries (erp.audit.record_created's"):
                           PREVIOUS.SQL.index("           ORDER BY r.id;\n") + len("           ORDER BY r.id;\n")]

DOCUMENT_ENTRY = """        -- the document-level audit entry: what was reserved where, in one row on the document
        INSERT INTO auditlog_logentry (
            content_type_id, object_pk, object_id, object_repr, action, changes_text, changes, actor_id, actor_email,
            remote_addr, remote_port, cid, "timestamp"
        ) SELECT p_doc_type, p_doc_id::text, p_doc_id, left(p_reference, 255), 1, '',
                 jsonb_build_object('reserved', jsonb_build_array('', string_agg(
                     i.code || ' ' || trim_scale(r.quantity)::text || coalesce(' @ ' || loc.code, '')
                         || coalesce(' / ' || lot.number, ''), ', ' ORDER BY r.id))),
                 (p_audit->>'actor')::bigint, p_audit->>'actor_email', (p_audit->>'remote_addr')::inet,
                 (p_audit->>'remote_port')::integer, p_audit->>'cid', now()
            FROM r JOIN inventory_item i ON i.id = r.item_id LEFT JOIN inventory_location loc ON loc.id = r.location_id
                 LEFT JOIN inventory_lot lot ON lot.id = r.lot_id
          HAVING count(*) > 0 AND p_doc_type IS NOT NULL;
"""

assert ROW_ENTRIES in PREVIOUS.SQL
SQL = PREVIOUS.SQL.replace(PREVIOUS.FEFO_KEY, "").replace(ROW_ENTRIES, DOCUMENT_ENTRY)
REVERSE = PREVIOUS.SQL.replace(PREVIOUS.FEFO_KEY, "")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0011_fefo_key_and_audited_reservations")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
