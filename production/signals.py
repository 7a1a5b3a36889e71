"""What the production department announces (durable events, docs/events.md)."""

from django.utils.translation import gettext_lazy as _

from erp.events import EventSignal

# payload: work_order_id, number, item_id, item_code, quantity, completed_quantity (text decimals),
# standard {material, labour, overhead, total}, actual {material, labour, overhead, total},
# variances {material, labour, overhead, total} (text decimals, actual - standard: positive = over
# standard), finished_goods_value and byproduct_value (what the completions put into stock), closed_on
# (date). Finance books the actual labour and overhead and what is left in work in process.
work_order_closed = EventSignal("production.work_order_closed", _(
    "A work order was closed: its actual and standard costs by element (material, labour, overhead) and "
    "the variances for finance."))
