"""Until production planning and purchasing have their own documents, a shortage a sales order
announces lands as a task in the department's inbox, listing item, quantity and required date."""

from django.utils.translation import gettext as _


def shortage_task(event, *, role, title):
    from erp.models import Company
    from office.models import Task
    from office.services import task_assign
    from sales.models import SalesOrder

    payload = event.payload
    order = SalesOrder.objects.filter(pk=payload["order_id"]).first()
    company = Company.objects.get(pk=event.company_id)
    if order is None:
        return None
    marker = f"[event {event.pk}]"
    if Task.objects.filter(company=company, description__endswith=marker).exists():
        return None  # handled already (the handler is idempotent with the event)
    rows = [
        _("Line %(n)s: %(code)s %(name)s — %(quantity)s %(unit)s by %(date)s") % {
            "n": line["line_no"], "code": line["item_code"], "name": line["item_name"],
            "quantity": line["quantity"].rstrip("0").rstrip(".") if "." in line["quantity"] else line["quantity"],
            "unit": line["unit"], "date": line["required_date"]}
        for line in payload["lines"]
    ]
    earliest = min(line["required_date"] for line in payload["lines"])
    import datetime

    return task_assign(
        company=company, role=role, document=order, title=title % {"order": payload["order_number"]},
        description="\n".join(rows) + "\n" + marker, due_date=datetime.date.fromisoformat(earliest),
    )
