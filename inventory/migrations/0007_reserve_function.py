"""Reservations run in the database: ``inventory_reserve`` is the engine behind
``inventory.services.stock.reserve_many`` (its only caller), so that reserving every line of a
document is one round trip instead of a lock, a read and three writes.

The rules are those the Python version had:
- lock order: the items' valuation rows by item id, then the balance rows by item, location, lot
  (the order every other stock writer uses, so reservations and postings cannot deadlock);
- only internal locations with stock on hand; first-expiring lots first (no lot or no expiry
  last), then locations in code order, then lot id;
- with ``partial`` a line gets what is free (perhaps nothing); without it the first line that
  cannot be covered in full is reported and nothing is written (the function's own block is
  rolled back; the caller's transaction stays usable);
- a reservation row per balance taken, the balances' and the valuation's ``reserved`` raised.

Arguments: company, the document's content type and id, its reference, the actor, ``partial`` and
the requests, a JSON array of {"key", "item", "warehouse", "quantity", "location"?, "lot"?} in
line order. Returns {"reserved": {key: "quantity", …}} or, without ``partial``,
{"short": index of the request, "available": "quantity"}.
"""

from django.db import migrations

SQL = r"""
CREATE OR REPLACE FUNCTION inventory_reserve_apply(
    p_company bigint, p_doc_type integer, p_doc_id text, p_reference text, p_actor bigint,
    p_partial boolean, p_requests jsonb
) RETURNS jsonb AS $$
DECLARE
    req record;
    idx integer := 0;
    remaining numeric;
    take numeric;
    bal record;
    result jsonb := '{}'::jsonb;
    item_ids bigint[];
    warehouse_ids bigint[];
BEGIN
    SELECT array_agg(DISTINCT r.item), array_agg(DISTINCT r.warehouse) INTO item_ids, warehouse_ids
      FROM jsonb_to_recordset(p_requests) AS r(item bigint, warehouse bigint);
    PERFORM 1 FROM inventory_itemvaluation WHERE item_id = ANY(item_ids) ORDER BY item_id FOR UPDATE;
    PERFORM 1 FROM inventory_stockbalance b JOIN inventory_location loc ON loc.id = b.location_id
      WHERE b.item_id = ANY(item_ids) AND b.warehouse_id = ANY(warehouse_ids)
        AND loc.kind = 'internal' AND b.on_hand > 0
      ORDER BY b.item_id, b.location_id, b.lot_id FOR UPDATE OF b;
    FOR req IN SELECT * FROM jsonb_to_recordset(p_requests)
                 AS r(key text, item bigint, warehouse bigint, quantity numeric, location bigint, lot bigint)
    LOOP
        remaining := req.quantity;
        FOR bal IN
            SELECT b.id, b.location_id, b.lot_id, b.on_hand - b.reserved AS free
              FROM inventory_stockbalance b
              JOIN inventory_location loc ON loc.id = b.location_id
              LEFT JOIN inventory_lot lot ON lot.id = b.lot_id
             WHERE b.item_id = req.item AND b.warehouse_id = req.warehouse
               AND loc.kind = 'internal' AND b.on_hand > b.reserved
               AND (req.location IS NULL OR b.location_id = req.location)
               AND (req.lot IS NULL OR b.lot_id = req.lot)
             ORDER BY coalesce(lot.expires_on, 'infinity'::date), loc.code, coalesce(b.lot_id, 0)
        LOOP
            EXIT WHEN remaining <= 0;
            take := least(bal.free, remaining);
            UPDATE inventory_stockbalance SET reserved = reserved + take WHERE id = bal.id;
            INSERT INTO inventory_reservation (
                company_id, item_id, warehouse_id, location_id, lot_id, quantity, issued_quantity, status,
                document_type_id, document_id, document_reference, line_key, created_at, created_by_id
            ) VALUES (
                p_company, req.item, req.warehouse, bal.location_id, bal.lot_id, take, 0, 'active',
                p_doc_type, p_doc_id, p_reference, req.key, now(), p_actor
            );
            remaining := remaining - take;
        END LOOP;
        IF remaining > 0 AND NOT p_partial THEN  -- the caller's block undoes what this call wrote
            RAISE EXCEPTION USING ERRCODE = 'IR001', MESSAGE = 'inventory_reserve: short',
                DETAIL = jsonb_build_object('short', idx, 'available', req.quantity - remaining)::text;
        END IF;
        IF remaining < req.quantity THEN
            UPDATE inventory_itemvaluation SET reserved = reserved + (req.quantity - remaining)
             WHERE item_id = req.item;
        END IF;
        result := jsonb_set(result, ARRAY[req.key],
                            to_jsonb((coalesce((result->>req.key)::numeric, 0) + req.quantity - remaining)::text));
        idx := idx + 1;
    END LOOP;
    RETURN jsonb_build_object('reserved', result);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION inventory_reserve(
    p_company bigint, p_doc_type integer, p_doc_id text, p_reference text, p_actor bigint,
    p_partial boolean, p_requests jsonb
) RETURNS jsonb AS $$
BEGIN
    IF p_partial THEN  -- nothing to undo: no subtransaction needed
        RETURN inventory_reserve_apply(p_company, p_doc_type, p_doc_id, p_reference, p_actor, true, p_requests);
    END IF;
    BEGIN  -- all or nothing: a shortage rolls this block back and is answered, not raised
        RETURN inventory_reserve_apply(p_company, p_doc_type, p_doc_id, p_reference, p_actor, false, p_requests);
    EXCEPTION WHEN SQLSTATE 'IR001' THEN
        DECLARE detail text;
        BEGIN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            RETURN detail::jsonb;
        END;
    END;
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
DROP FUNCTION IF EXISTS inventory_reserve(bigint, integer, text, text, bigint, boolean, jsonb);
DROP FUNCTION IF EXISTS inventory_reserve_apply(bigint, integer, text, text, bigint, boolean, jsonb);
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_delivery_source_event_label")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
