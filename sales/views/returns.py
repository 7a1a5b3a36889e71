"""Screens of the customer returns: ``RETURNS`` is a ``DocumentKind`` (erp.document_screens: list with
filters and export, detail with post and cancel, print); creating a return against a posted delivery
note and editing a draft are screens of their own here (the return sheet: what each shipped line
sends back).

Returns are read through ``sales.selectors.returns_for_user`` (a sales rep: their customers only),
the deliveries to return from through ``inventory.selectors.deliveries_for_user``. Every write is one
call to sales.services.returns; a refusal is shown beside the line or above the form, never a 500.
Posting brings goods into stock: like every inventory posting, only a keeper of those warehouses may.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    Column,
    DocumentKind,
    LinkAction,
    ServiceAction,
    Templates,
    created_by_column,
    date_column,
    line_count_column,
    number_column,
    posted_at_column,
    status_column,
)
from erp.document_screens.views import DocumentView, paginate
from erp.errors import DomainError, ImmutableDocument
from erp.permissions import user_company
from inventory import selectors as inventory_selectors
from inventory import status as inventory_status
from inventory.models import DeliveryNote, Warehouse
from inventory.selectors import can_operate, unit_factors
from sales import selectors
from sales import status as st
from sales.forms.returns import ReturnFilterForm, ReturnSheet
from sales.models import CustomerReturn, SalesOrder
from sales.services import returns as services

ZERO = Decimal("0")
HEADER_RELATED = ("customer", "order", "delivery", "delivery__warehouse", "created_by")
LINE_RELATED = ("delivery_line", "item", "unit", "location__warehouse", "lot")


def returns_for_user(user: Any) -> QuerySet[CustomerReturn]:
    return selectors.returns_for_user(user).select_related(*HEADER_RELATED)


def return_lines(customer_return: CustomerReturn) -> QuerySet[Any]:
    return customer_return.lines.select_related(*LINE_RELATED).order_by("pk")


# List ----------------------------------------------------------------------------------------


def filter_choices(request: HttpRequest) -> dict[str, Any]:
    return {"customers": selectors.customers_for_user(request.user).order_by("code")}


def return_rows(user: Any, values: dict[str, Any]) -> QuerySet[CustomerReturn]:
    return selectors.returns_for_user(user, customer=values.get("customer"), status=values.get("status"),
                                      date_from=values.get("date_from"), date_to=values.get("date_to"),
                                      search=(values.get("q") or "").strip())


COLUMNS = (
    number_column(), date_column(),
    Column(_l("Customer code"), lambda r: r.customer.code, listed=False),
    Column(_l("Customer"), lambda r: r.customer.name, display=lambda r: f"{r.customer.code} {r.customer.name}"),
    Column(_l("Sales order"), lambda r: r.order.reference),
    Column(_l("Delivery note"), lambda r: r.delivery.reference),
    status_column(),
    Column(_l("Reason"), lambda r: r.reason, display=lambda r: r.reason[:59] + "…" if len(r.reason) > 60 else r.reason),
    line_count_column(),
    created_by_column(listed=False),
    posted_at_column(),
)


# Detail, actions, print ----------------------------------------------------------------------


def detail_context(request: HttpRequest, customer_return: CustomerReturn, context: dict[str, Any]) -> dict[str, Any]:
    return {"moves": inventory_selectors.document_moves(customer_return),
            "can_see_delivery": request.user.has_perm("inventory.view_deliverynote")}


def operates_return_warehouses(user: Any, customer_return: CustomerReturn) -> bool:
    """The goods come into stock: the user must operate every warehouse the lines go back to."""
    warehouses = Warehouse.objects.filter(pk__in=customer_return.lines.values("location__warehouse"))
    return all(can_operate(user, warehouse) for warehouse in warehouses)


DRAFT = st.ReturnStatus.DRAFT
RETURNS = DocumentKind(
    namespace="sales", key="return", segment="returns", model=CustomerReturn, argument="customer_return",
    title=_l("Customer return"), title_plural=_l("Customer returns"), new_title=_l("New return"),
    selector=returns_for_user, filter_form=ReturnFilterForm, filter_kwargs=filter_choices, rows=return_rows,
    list_rows=lambda rows: rows.select_related("created_by").annotate(line_count=Count("lines")),
    columns=COLUMNS, export_filename="customer_returns", empty=_l("No customer returns."),
    lines=return_lines, detail_context=detail_context,
    signatures=(_l("Returned by (customer)"), _l("Received by"), _l("Approved by")),
    actions=(
        LinkAction(name="edit", label=_l("Edit"), url_name="return_edit", statuses=(DRAFT,)),
        ServiceAction(name="post", label=_l("Post return"), service=services.return_post, statuses=(DRAFT,),
                      guard=operates_return_warehouses,
                      success=lambda r, before, posted: _("%(document)s posted: the goods are back in stock.")
                      % {"document": posted.reference},
                      confirm=_l("Post this return? The goods go back into stock and finance is told a credit note "
                                 "is due.")),
        ServiceAction(name="cancel", label=_l("Void"), service=services.return_cancel, statuses=(DRAFT,),
                      style="outline-danger", success=_l("%(document)s voided."), reason=True,
                      confirm=_l("Void this return draft?")),
    ),
    section="return",
    templates=Templates(results="sales/returns/_list_table.html",
                        detail="sales/returns/detail.html", print="sales/returns/print.html"),
)


# Create and edit: the return sheet -----------------------------------------------------------


def returnable_deliveries(user: Any) -> QuerySet[DeliveryNote]:
    """Posted delivery notes of sales orders the user may see."""
    return inventory_selectors.deliveries_for_user(user).filter(
        status=inventory_status.DocStatus.POSTED, source_type=ContentType.objects.get_for_model(SalesOrder))


def sheet_lines(delivery: DeliveryNote, exclude: CustomerReturn | None = None) -> tuple[list[Any], dict[int, Any]]:
    """The shipped lines of ``delivery`` and what each can still return, in the line's unit."""
    lines = [line for line in delivery.lines.select_related("item", "item__base_unit", "unit", "location__warehouse",
                                                            "lot").order_by("pk") if line.picked > 0]
    already = services.returned_so_far([line.pk for line in lines], exclude=exclude)
    factors = unit_factors({line.item_id for line in lines})
    returnable = {}
    for line in lines:
        factor = (Decimal("1") if line.unit_id == line.item.base_unit_id
                  else factors.get(line.item_id, {}).get(line.unit_id))
        taken = already.get(line.pk, ZERO) / factor if factor else ZERO
        line.returned_before = taken
        returnable[line.pk] = max(line.picked - taken, ZERO)
        line.returnable = returnable[line.pk]
    return lines, returnable


class ReturnSheetView(DocumentView):
    """The return sheet of a delivery note: a new return (``?delivery=``; without it, the posted notes
    to choose from) or a draft being edited."""

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self.handle(pk)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self.handle(pk)

    def handle(self, pk: int | None) -> HttpResponse:
        if pk is not None:
            customer_return = self.get_document(pk)
            if not customer_return.is_editable:
                messages.error(self.request, str(ImmutableDocument.default_message))
                return redirect("sales:return_detail", pk=pk)
            return self.sheet(customer_return.delivery, customer_return)
        delivery_id = self.request.GET.get("delivery", "")
        if not delivery_id.isdigit():
            return self.choose_delivery()
        delivery = get_object_or_404(returnable_deliveries(self.user).select_related("warehouse"), pk=int(delivery_id))
        return self.sheet(delivery)

    def choose_delivery(self) -> HttpResponse:
        """The posted delivery notes the user may return goods from."""
        notes = returnable_deliveries(self.user).select_related("warehouse")
        if search := self.request.GET.get("q", "").strip():
            notes = notes.filter(Q(number__icontains=search) | Q(customer_name__icontains=search)
                                 | Q(source_reference__icontains=search))
        page = paginate(self.request, notes.order_by("-posted_at", "-pk"), self.kind.page_size)
        return render(self.request, "sales/returns/choose_delivery.html", {"page": page, "q": search})

    def sheet(self, delivery: DeliveryNote, customer_return: CustomerReturn | None = None) -> HttpResponse:
        request, user = self.request, self.user
        lines, returnable = sheet_lines(delivery, exclude=customer_return)
        locations = list(inventory_selectors.document_form_choices(user)["all_locations"])
        existing: dict[int, Any] = {}
        header_initial: dict[str, Any] = {}
        if customer_return is not None:
            existing = {line.delivery_line_id: (line.quantity, line.location)
                        for line in return_lines(customer_return)}
            header_initial = {"document_date": customer_return.document_date, "reason": customer_return.reason}
        data = request.POST if request.method == "POST" else None
        sheet = ReturnSheet(data, lines=lines, locations=locations, returnable=returnable, existing=existing,
                            header_initial=header_initial)
        errors: list[str] = []
        if data is not None and sheet.is_valid():
            try:
                saved = services.return_save(company=user_company(user), actor=user, delivery=delivery,
                                             lines=sheet.service_lines(), customer_return=customer_return,
                                             **sheet.header.cleaned_data)
            except (DomainError, ValidationError) as exc:
                errors.extend(exc.messages if isinstance(exc, ValidationError) else [str(exc.message)])
            else:
                messages.success(request, _("%(document)s saved: post it when the goods are back in the warehouse.")
                                 % {"document": saved.reference})
                return redirect("sales:return_detail", pk=saved.pk)
        return render(request, "sales/returns/form.html", {
            "kind": self.kind, "delivery": delivery, "customer_return": customer_return, "sheet": sheet,
            "errors": errors, "rows": list(zip(lines, sheet.forms, strict=True)),
        })
