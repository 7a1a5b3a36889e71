"""Stock moves and reservations refer to their document (and a reservation to its line) by integer
ids: ``StockMove.document_id`` and ``Reservation.document_id`` from text to nullable bigints, and
``Reservation.line_key`` (the text of a line's id) becomes ``line_id``. Existing rows: blank becomes
NULL, every other value is cast (one ALTER per table, so the ledger's append-only trigger is not
involved; its indexes are rebuilt by PostgreSQL). ``inventory_reserve`` takes the document id as a
bigint and each request's line id as ``line`` (null for a document without lines)."""

import importlib

from django.db import migrations, models

from erp.migration_ops import text_ids_to_integers

OLD_FUNCTION = importlib.import_module("inventory.migrations.0007_reserve_function")

# The function of migration 0007 with integer ids; its rules and its one round trip are unchanged.
SQL = r"""
DROP FUNCTION IF EXISTS inventory_reserve(bigint, integer, text, text, bigint, boolean, jsonb);
CREATE OR REPLACE FUNCTION inventory_reserve(
    p_company bigint, p_doc_type integer, p_doc_id bigint, p_reference text, p_actor bigint,
    p_partial boolean, p_requests jsonb
) RETURNS jsonb AS $$
DECLARE
    req record;
    idx integer := 0;
    i integer;
    n integer;
    remaining numeric;
    take numeric;
    line_key text;
    result jsonb := '{}'::jsonb;
    item_ids bigint[];
    warehouse_ids bigint[];
    -- the candidate balances, in first-expiry order per item and warehouse
    c_id bigint[]; c_item bigint[]; c_wh bigint[]; c_loc bigint[]; c_lot bigint[]; c_free numeric[];
    c_taken numeric[];
    -- what to write: reservation rows and the valuations' increments
    r_item bigint[] := '{}'; r_wh bigint[] := '{}'; r_loc bigint[] := '{}'; r_lot bigint[] := '{}';
    r_qty numeric[] := '{}'; r_line bigint[] := '{}';
    v_item bigint[] := '{}'; v_qty numeric[] := '{}';
BEGIN
    SELECT array_agg(DISTINCT r.item), array_agg(DISTINCT r.warehouse) INTO item_ids, warehouse_ids
      FROM jsonb_to_recordset(p_requests) AS r(item bigint, warehouse bigint);
    PERFORM 1 FROM inventory_itemvaluation WHERE item_id = ANY(item_ids) ORDER BY item_id FOR UPDATE;
    PERFORM 1 FROM inventory_stockbalance b JOIN inventory_location loc ON loc.id = b.location_id
      WHERE b.item_id = ANY(item_ids) AND b.warehouse_id = ANY(warehouse_ids)
        AND loc.kind = 'internal' AND b.on_hand > 0
      ORDER BY b.item_id, b.location_id, b.lot_id FOR UPDATE OF b;
    SELECT array_agg(x.id ORDER BY x.n), array_agg(x.item_id ORDER BY x.n), array_agg(x.warehouse_id ORDER BY x.n),
           array_agg(x.location_id ORDER BY x.n), array_agg(x.lot_id ORDER BY x.n), array_agg(x.free ORDER BY x.n),
           array_agg(0::numeric ORDER BY x.n)
      INTO c_id, c_item, c_wh, c_loc, c_lot, c_free, c_taken
      FROM (SELECT b.id, b.item_id, b.warehouse_id, b.location_id, b.lot_id, b.on_hand - b.reserved AS free,
                   row_number() OVER (ORDER BY b.item_id, b.warehouse_id, coalesce(lot.expires_on, 'infinity'::date),
                                      loc.code, coalesce(b.lot_id, 0)) AS n
              FROM inventory_stockbalance b
              JOIN inventory_location loc ON loc.id = b.location_id
              LEFT JOIN inventory_lot lot ON lot.id = b.lot_id
             WHERE b.item_id = ANY(item_ids) AND b.warehouse_id = ANY(warehouse_ids)
               AND loc.kind = 'internal' AND b.on_hand > b.reserved) x;
    n := coalesce(array_length(c_id, 1), 0);
    FOR req IN SELECT * FROM jsonb_to_recordset(p_requests)
                 AS r(line bigint, item bigint, warehouse bigint, quantity numeric, location bigint, lot bigint)
    LOOP
        remaining := req.quantity;
        FOR i IN 1..n LOOP
            EXIT WHEN remaining <= 0;
            CONTINUE WHEN c_item[i] <> req.item OR c_wh[i] <> req.warehouse OR c_free[i] <= 0
                OR (req.location IS NOT NULL AND c_loc[i] <> req.location)
                OR (req.lot IS NOT NULL AND c_lot[i] IS DISTINCT FROM req.lot);
            take := least(c_free[i], remaining);
            c_free[i] := c_free[i] - take;
            c_taken[i] := c_taken[i] + take;
            r_item := r_item || req.item; r_wh := r_wh || req.warehouse; r_loc := r_loc || c_loc[i];
            r_lot := r_lot || c_lot[i]; r_qty := r_qty || take; r_line := r_line || req.line;
            remaining := remaining - take;
        END LOOP;
        IF remaining > 0 AND NOT p_partial THEN  -- nothing is written before the loop ends: just answer
            RETURN jsonb_build_object('short', idx, 'available', req.quantity - remaining);
        END IF;
        IF remaining < req.quantity THEN
            v_item := v_item || req.item; v_qty := v_qty || (req.quantity - remaining);
        END IF;
        line_key := coalesce(req.line::text, '');  -- the answer's keys are text: "" for no line
        result := jsonb_set(result, ARRAY[line_key],
                            to_jsonb((coalesce((result->>line_key)::numeric, 0) + req.quantity - remaining)::text));
        idx := idx + 1;
    END LOOP;
    IF array_length(r_qty, 1) > 0 THEN
        UPDATE inventory_stockbalance b SET reserved = b.reserved + t.taken
          FROM unnest(c_id, c_taken) AS t(id, taken) WHERE b.id = t.id AND t.taken > 0;
        UPDATE inventory_itemvaluation v SET reserved = v.reserved + t.qty
          FROM (SELECT x.item, sum(x.qty) AS qty FROM unnest(v_item, v_qty) AS x(item, qty) GROUP BY x.item) t
         WHERE v.item_id = t.item;
        INSERT INTO inventory_reservation (
            company_id, item_id, warehouse_id, location_id, lot_id, quantity, issued_quantity, status,
            document_type_id, document_id, document_reference, line_id, created_at, created_by_id
        ) SELECT p_company, x.item, x.wh, x.loc, x.lot, x.qty, 0, 'active', p_doc_type, p_doc_id, p_reference,
                 x.line, now(), p_actor
            FROM unnest(r_item, r_wh, r_loc, r_lot, r_qty, r_line) WITH ORDINALITY AS x(item, wh, loc, lot, qty, line, n)
           ORDER BY x.n;
    END IF;
    RETURN jsonb_build_object('reserved', result);
END;
$$ LANGUAGE plpgsql
-- Plan the statements above once per session: custom plans for each call's arrays cost more to
-- make (about 0.1 ms a statement) than they could save.
SET plan_cache_mode = force_generic_plan;
"""

REVERSE = "DROP FUNCTION IF EXISTS inventory_reserve(bigint, integer, bigint, text, bigint, boolean, jsonb);\n"


class Migration(migrations.Migration):
    dependencies = [("inventory", "0008_delivery_source_from_sales_order")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                text_ids_to_integers("inventory_stockmove", ["document_id"]),
                text_ids_to_integers("inventory_reservation", ["document_id", "line_id"],
                                     renamed={"line_id": "line_key"}),
            ],
            state_operations=[
                migrations.RenameField(model_name="reservation", old_name="line_key", new_name="line_id"),
                migrations.AlterField(
                    model_name="reservation",
                    name="line_id",
                    field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="line"),
                ),
                migrations.AlterField(
                    model_name="reservation",
                    name="document_id",
                    field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="document id"),
                ),
                migrations.AlterField(
                    model_name="stockmove",
                    name="document_id",
                    field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="document id"),
                ),
            ],
        ),
        # Reversed: the text version of migration 0007 comes back.
        migrations.RunSQL(SQL, REVERSE + OLD_FUNCTION.SQL),
    ]
