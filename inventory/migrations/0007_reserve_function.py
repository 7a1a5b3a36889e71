"""Reservations run in the database: ``inventory_reserve`` is the engine behind
``inventory.services.stock.reserve_many`` (its only caller), so that reserving every line of a
document is one round trip instead of a lock, a read and three writes.

The rules are those the Python version had:
- lock order: the items' valuation rows by item id, then the balance rows by item, location, lot
  (the order every other stock writer uses, so reservations and postings cannot deadlock);
- only internal locations with stock on hand; first-expiring lots first (no lot or no expiry
  last), then locations in code order, then lot id;
- with ``partial`` a line gets what is free (perhaps nothing); without it the first line that
  cannot be covered in full is reported and nothing is written (the caller's transaction stays
  usable);
- a reservation row per balance taken, the balances' and the valuation's ``reserved`` raised.

After taking the locks it reads the candidate balances once, allocates in memory and writes with
three set-based statements, whatever the number of lines.

Arguments: company, the document's content type and id, its reference, the actor, ``partial`` and
the requests, a JSON array of {"key", "item", "warehouse", "quantity", "location"?, "lot"?} in
line order. Returns {"reserved": {key: "quantity", …}} or, without ``partial``,
{"short": index of the request, "available": "quantity"}.
"""

from django.db import migrations

SQL = r"""
CREATE OR REPLACE FUNCTION inventory_reserve(
    p_company bigint, p_doc_type integer, p_doc_id text, p_reference text, p_actor bigint,
    p_partial boolean, p_requests jsonb
) RETURNS jsonb AS $$
DECLARE
    req record;
    idx integer := 0;
    i integer;
    n integer;
    remaining numeric;
    take numeric;
    result jsonb := '{}'::jsonb;
    item_ids bigint[];
    warehouse_ids bigint[];
    -- the candidate balances, in first-expiry order per item and warehouse
    c_id bigint[]; c_item bigint[]; c_wh bigint[]; c_loc bigint[]; c_lot bigint[]; c_free numeric[];
    c_taken numeric[];
    -- what to write: reservation rows and the valuations' increments
    r_item bigint[] := '{}'; r_wh bigint[] := '{}'; r_loc bigint[] := '{}'; r_lot bigint[] := '{}';
    r_qty numeric[] := '{}'; r_key text[] := '{}';
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
                 AS r(key text, item bigint, warehouse bigint, quantity numeric, location bigint, lot bigint)
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
            r_lot := r_lot || c_lot[i]; r_qty := r_qty || take; r_key := r_key || req.key;
            remaining := remaining - take;
        END LOOP;
        IF remaining > 0 AND NOT p_partial THEN  -- nothing is written before the loop ends: just answer
            RETURN jsonb_build_object('short', idx, 'available', req.quantity - remaining);
        END IF;
        IF remaining < req.quantity THEN
            v_item := v_item || req.item; v_qty := v_qty || (req.quantity - remaining);
        END IF;
        result := jsonb_set(result, ARRAY[req.key],
                            to_jsonb((coalesce((result->>req.key)::numeric, 0) + req.quantity - remaining)::text));
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
            document_type_id, document_id, document_reference, line_key, created_at, created_by_id
        ) SELECT p_company, x.item, x.wh, x.loc, x.lot, x.qty, 0, 'active', p_doc_type, p_doc_id, p_reference,
                 x.key, now(), p_actor
            FROM unnest(r_item, r_wh, r_loc, r_lot, r_qty, r_key) WITH ORDINALITY AS x(item, wh, loc, lot, qty, key, n)
           ORDER BY x.n;
    END IF;
    RETURN jsonb_build_object('reserved', result);
END;
$$ LANGUAGE plpgsql
-- Plan the statements above once per session: custom plans for each call's arrays cost more to
-- make (about 0.1 ms a statement) than they could save.
SET plan_cache_mode = force_generic_plan;

"""

REVERSE = """
DROP FUNCTION IF EXISTS inventory_reserve(bigint, integer, text, text, bigint, boolean, jsonb);
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_delivery_source_event_label")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
