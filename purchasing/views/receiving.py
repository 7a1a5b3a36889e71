"""Screens of receiving: the goods receipts of purchase orders (a list and a page of their own; the
receipt itself is edited and posted on inventory's screens), incoming inspections (the "waiting for
inspection" list and the record form) and supplier returns (list, page, post, void). "Receive goods"
on an order's page and "Return to supplier" on a posted receipt's page are actions this app adds to
those pages (purchasing/apps.py); so are the panels listing an order's receipts, inspections and
returns.

Every write is one call to purchasing.services (receiving, inspections, returns); a refusal is a
message on the page, never a 500. Posting stock (receiving, returning) needs the warehouse's keeper;
recording an inspection, the change_inspection permission (Quality, Purchasing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from erp.document_screens import (
    Column,
    DocumentKind,
    LinkAction,
    ServiceAction,
    Templates,
    date_column,
    line_count_column,
    number_column,
    status_column,
)
from erp.document_screens.views import DocumentView
from erp.errors import DomainError, ImmutableDocument
from erp.money import format_quantity
from erp.permissions import permission_required
from inventory import status as inventory_status
from inventory.models import GoodsReceipt, Location, Lot
from inventory.selectors import can_operate
from purchasing import status as st
from purchasing.models import Inspection, PurchaseOrder, Supplier, SupplierReturn
from purchasing.selectors import receiving as selectors
from purchasing.services import inspections as inspection_services
from purchasing.services import receiving as receiving_services
from purchasing.services import returns as return_services

DATE = {"widget": forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})}


def styled(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
        field.widget.attrs.setdefault("class", css)


# Receipts of purchase orders -----------------------------------------------------------------


class ReceiptFilterForm(forms.Form):
    q = forms.CharField(label=_l("Search"), required=False)
    supplier = forms.ModelChoiceField(label=_l("Supplier"), queryset=Supplier.objects.none(), required=False,
                                      empty_label=_l("All suppliers"))
    order = forms.CharField(label=_l("Purchase order"), required=False)
    status = forms.ChoiceField(label=_l("Status"), required=False,
                               choices=[("", _l("All statuses")), *inventory_status.DocStatus.choices])
    date_from = forms.DateField(label=_l("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_l("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, suppliers: QuerySet[Supplier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]
        styled(self)


def receipt_filter_choices(request: HttpRequest) -> dict[str, Any]:
    return {"suppliers": Supplier.objects.restrict(request.user).order_by("code")}


def receipts_of_supplier(rows: QuerySet[GoodsReceipt], supplier: Supplier) -> QuerySet[GoodsReceipt]:
    return rows.filter(source_id__in=PurchaseOrder.objects.filter(supplier=supplier).values("pk"))


def receipts_of_order(rows: QuerySet[GoodsReceipt], text: str) -> QuerySet[GoodsReceipt]:
    return rows.filter(source_reference__icontains=text.strip())


RECEIPTS = DocumentKind(
    namespace="purchasing", key="receipt", segment="receipts", model=GoodsReceipt,
    title=_l("Goods receipt"), title_plural=_l("Receipts of purchase orders"),
    selector=lambda user: selectors.receipts_for_user(user).select_related("warehouse", "created_by"),
    filter_form=ReceiptFilterForm, filter_kwargs=receipt_filter_choices,
    filters={"supplier": receipts_of_supplier, "order": receipts_of_order},
    search_fields=("number", "source_reference", "supplier_reference"),
    list_rows=lambda rows: rows.annotate(line_count=Count("lines")),
    columns=(number_column(), date_column(),
             Column(_l("Purchase order"), lambda r: r.source_reference),
             Column(_l("Supplier"), lambda r: r.supplier_reference),
             Column(_l("Warehouse"), lambda r: r.warehouse.code), status_column(), line_count_column()),
    export_filename="purchase_receipts", empty=_l("No receipts."),
    header_rows=lambda r: [(_("Purchase order"), r.source_reference), (_("Supplier"), r.supplier_reference),
                           (_("Warehouse"), r.warehouse), (_("Date"), r.document_date),
                           (_("Posted at"), r.posted_at)],
    lines=selectors.receipt_lines,
    line_columns=(
        Column(_l("Item"), lambda line: f"{line.item.code} {line.item.name}"),
        Column(_l("Quantity"), lambda line: f"{format_quantity(line.quantity)} {line.unit.code}", numeric=True),
        Column(_l("Location"), lambda line: line.location.code),
        Column(_l("Posted to"), lambda line: (
            _("%(location)s (in quarantine)") % {"location": line.posted_location.code}
            if line.posted_location and line.posted_location.kind == inventory_status.LocationKind.QUARANTINE
            else (line.posted_location.code if line.posted_location else ""))),
        Column(_l("Lot number"), lambda line: line.lot_number),
    ),
)


@permission_required("inventory.add_goodsreceipt")
@require_POST
def order_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """"Receive goods" on an order's page: a draft receipt of the open quantities, edited and posted
    on inventory's receipt screen."""
    order = get_object_or_404(PurchaseOrder.objects.restrict(request.user).select_related("warehouse"), pk=pk)
    if not can_operate(request.user, order.warehouse):
        raise PermissionDenied(_("You may not post stock moves in warehouse %(warehouse)s.")
                               % {"warehouse": order.warehouse.code})
    try:
        receipt = receiving_services.receipt_create_for_order(order=order, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(order.get_absolute_url())
    messages.success(request, _("Draft receipt %(receipt)s made: check the quantities, lots and locations, then post "
                                "it.") % {"receipt": receipt.reference})
    return redirect("inventory:receipt_edit", receipt.pk)


# Inspections ---------------------------------------------------------------------------------


class InspectionFilterForm(forms.Form):
    q = forms.CharField(label=_l("Search"), required=False)
    status = forms.ChoiceField(label=_l("Status"), required=False,
                               choices=[("", _l("All statuses")), *st.InspectionStatus.choices])
    date_from = forms.DateField(label=_l("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_l("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


class InspectionResultForm(forms.Form):
    accepted = forms.DecimalField(label=_l("Accepted"), min_value=0, max_digits=20, decimal_places=6)
    rejected = forms.DecimalField(label=pgettext_lazy("inspection", "Rejected"), min_value=0, max_digits=20,
                                  decimal_places=6)
    notes = forms.CharField(label=_l("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


def inspection_result(request: HttpRequest) -> dict[str, Any]:
    """The record form's values as the service takes them (the service checks they add up)."""
    form = InspectionResultForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Enter the accepted and rejected quantities."), field="accepted")
    return dict(form.cleaned_data)


def quantity_cell(inspection: Inspection, value: Any) -> str:
    return format_quantity(value, inspection.item.base_unit, with_unit=True)


def inspection_detail_context(request: HttpRequest, inspection: Inspection, context: dict[str, Any]) -> dict[str, Any]:
    may_record = (inspection.status == st.InspectionStatus.PENDING
                  and request.user.has_perm("purchasing.change_inspection"))
    return {"result_form": InspectionResultForm(initial={"accepted": inspection.quantity, "rejected": 0})
            if may_record else None}


INSPECTIONS = DocumentKind(
    namespace="purchasing", key="inspection", segment="inspections", model=Inspection,
    title=_l("Incoming inspection"), title_plural=_l("Incoming inspections"),
    selector=lambda user: selectors.inspections_for_user(user),
    filter_form=InspectionFilterForm, search_fields=("number", "item__code", "supplier__code", "receipt__number"),
    ordering=("-created_at", "-pk"),
    columns=(number_column(), date_column(),
             Column(_l("Item"), lambda i: f"{i.item.code} {i.item.name}"),
             Column(_l("Supplier"), lambda i: i.supplier.code if i.supplier else ""),
             Column(_l("Goods receipt"), lambda i: i.receipt.reference),
             Column(_l("Quantity"), lambda i: i.quantity, display=lambda i: quantity_cell(i, i.quantity),
                    numeric=True),
             Column(_l("Accepted"), lambda i: i.accepted_quantity, numeric=True),
             Column(pgettext_lazy("inspection", "Rejected"), lambda i: i.rejected_quantity, numeric=True),
             status_column()),
    export_filename="inspections", empty=_l("Nothing is waiting for inspection."),
    header_rows=lambda i: [
        (_("Item"), f"{i.item.code} {i.item.name}"), (_("Lot"), i.lot.number if i.lot else ""),
        (_("Supplier"), i.supplier or ""), (_("Goods receipt"), i.receipt.reference),
        (_("Warehouse"), i.warehouse), (_("Quarantine location"), i.quarantine_location.code),
        (_("Put away to"), i.destination.code), (_("Quantity received"), quantity_cell(i, i.quantity)),
        (_("Accepted"), quantity_cell(i, i.accepted_quantity)),
        (pgettext("inspection", "Rejected"), quantity_cell(i, i.rejected_quantity)),
        (_("Returned to supplier"), quantity_cell(i, i.returned_quantity)), (_("Findings"), i.result_notes),
        (_("Inspected by"), i.inspected_by or ""), (_("Inspected at"), i.inspected_at)],
    detail_context=inspection_detail_context,
    actions=(ServiceAction(name="record", label=_l("Record result"), service=inspection_services.inspection_record,
                           statuses=(st.InspectionStatus.PENDING,), params=inspection_result, button=False,
                           permissions=("purchasing.change_inspection",),
                           success=_l("%(document)s recorded: the accepted goods are in stock.")),),
    templates=Templates(detail="purchasing/receiving/inspection_detail.html"),
)


# Supplier returns ----------------------------------------------------------------------------


class ReturnFilterForm(forms.Form):
    q = forms.CharField(label=_l("Search"), required=False)
    status = forms.ChoiceField(label=_l("Status"), required=False,
                               choices=[("", _l("All statuses")), *st.ReturnStatus.choices])
    date_from = forms.DateField(label=_l("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_l("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


def operates_return_warehouse(user: Any, supplier_return: SupplierReturn) -> bool:
    return bool(can_operate(user, supplier_return.warehouse))


RETURNS = DocumentKind(
    namespace="purchasing", key="return", segment="returns", model=SupplierReturn, argument="supplier_return",
    title=_l("Supplier return"), title_plural=_l("Supplier returns"),
    selector=lambda user: selectors.returns_for_user(user).select_related("created_by"),
    filter_form=ReturnFilterForm, search_fields=("number", "supplier__name", "supplier__code__iexact",
                                                 "receipt__number"),
    list_rows=lambda rows: rows.annotate(line_count=Count("lines")),
    columns=(number_column(), date_column(), Column(_l("Supplier"), lambda r: f"{r.supplier.code} {r.supplier.name}"),
             Column(_l("Goods receipt"), lambda r: r.receipt.reference),
             Column(_l("Purchase order"), lambda r: r.order.reference if r.order else ""),
             status_column(), line_count_column()),
    export_filename="supplier_returns", empty=_l("No supplier returns."),
    header_rows=lambda r: [(_("Supplier"), r.supplier), (_("Goods receipt"), r.receipt.reference),
                           (_("Purchase order"), r.order.reference if r.order else ""), (_("Warehouse"), r.warehouse),
                           (_("Date"), r.document_date), (_("Reason"), r.reason), (_("Posted at"), r.posted_at)],
    lines=lambda r: r.lines.select_related("item", "unit", "location", "lot").order_by("pk"),
    line_columns=(
        Column(_l("Item"), lambda line: f"{line.item.code} {line.item.name}"),
        Column(_l("Quantity"), lambda line: f"{format_quantity(line.quantity)} {line.unit.code}", numeric=True),
        Column(_l("From location"), lambda line: line.location.code),
        Column(_l("Lot"), lambda line: line.lot.number if line.lot else ""),
        Column(_l("Unit cost"), lambda line: line.unit_cost, numeric=True)),
    signatures=(_l("Returned by"), _l("Carrier"), _l("Approved by")),
    actions=(
        LinkAction(name="edit", label=_l("Edit"), url_name="return_edit", statuses=(st.ReturnStatus.DRAFT,),
                   guard=operates_return_warehouse),
        ServiceAction(name="post", label=_l("Post return"), service=return_services.return_post,
                      statuses=(st.ReturnStatus.DRAFT,), guard=operates_return_warehouse,
                      success=_l("%(document)s posted: the goods left for the supplier."),
                      confirm=_l("Post this return? The goods leave stock at the receipt's cost.")),
        ServiceAction(name="cancel", label=_l("Void"), service=return_services.return_cancel,
                      statuses=(st.ReturnStatus.DRAFT,), style="outline-danger", reason=True,
                      guard=operates_return_warehouse, success=_l("%(document)s voided."),
                      confirm=_l("Void this return draft?")),
    ),
    guard=operates_return_warehouse,
)


@permission_required("purchasing.add_supplierreturn")
@require_POST
def return_from_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """"Return to supplier" on a posted receipt's page: a draft return of its rejected goods (or of
    what it brought in), posted from the return's page."""
    receipt = get_object_or_404(GoodsReceipt.objects.restrict(request.user).select_related("warehouse"), pk=pk)
    if not can_operate(request.user, receipt.warehouse):
        raise PermissionDenied(_("You may not post stock moves in warehouse %(warehouse)s.")
                               % {"warehouse": receipt.warehouse.code})
    try:
        supplier_return = return_services.return_create_from_receipt(receipt=receipt, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("inventory:receipt_detail", receipt.pk)
    messages.success(request, _("Draft return %(document)s made.") % {"document": supplier_return.reference})
    return redirect("purchasing:return_detail", supplier_return.pk)


class ReturnEditForm(forms.Form):
    """A draft return's reason and, per line (``<field>_<line id>``), the quantity (0 drops the line),
    the location it leaves from (the return's warehouse) and the lot."""

    reason = forms.CharField(label=_l("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, supplier_return: SupplierReturn, lines: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"reason": supplier_return.reason})
        super().__init__(*args, **kwargs)
        self.lines = lines
        locations = Location.objects.filter(warehouse_id=supplier_return.warehouse_id, is_active=True).order_by("code")
        location_choices = [(location.pk, location.code) for location in locations]
        lots: dict[int, list[tuple[int, str]]] = {}
        for lot in Lot.objects.filter(item_id__in={line.item_id for line in lines}).order_by("number"):
            lots.setdefault(lot.item_id, []).append((lot.pk, lot.number))
        for line in lines:
            self.fields[f"quantity_{line.pk}"] = forms.DecimalField(
                label=_l("Quantity"), min_value=0, max_digits=20, decimal_places=4, initial=line.quantity.normalize())
            self.fields[f"location_{line.pk}"] = forms.TypedChoiceField(
                label=_l("From location"), coerce=int, choices=location_choices, initial=line.location_id)
            self.fields[f"lot_{line.pk}"] = forms.TypedChoiceField(
                label=_l("Lot"), coerce=int, required=False, empty_value=None, initial=line.lot_id,
                choices=[("", "—"), *lots.get(line.item_id, [])])
        self.locations = {location.pk: location for location in locations}
        styled(self)

    def rows(self) -> list[tuple[Any, Any, Any, Any]]:
        return [(line, self[f"quantity_{line.pk}"], self[f"location_{line.pk}"], self[f"lot_{line.pk}"])
                for line in self.lines]

    def service_lines(self) -> list[dict[str, Any]]:
        """The lines as ``return_save`` takes them; a line at 0 is left out."""
        data, kept = self.cleaned_data, []
        for line in self.lines:
            if not data[f"quantity_{line.pk}"]:
                continue
            lot_id = data[f"lot_{line.pk}"]
            kept.append({"receipt_line": line.receipt_line_id, "quantity": data[f"quantity_{line.pk}"],
                         "unit": line.unit, "location": self.locations[data[f"location_{line.pk}"]],
                         "lot": Lot.objects.get(pk=lot_id) if lot_id else None})
        return kept


class ReturnEditView(DocumentView):
    """A draft supplier return changed on the screen: quantities, location and lot of its lines and the
    reason, saved by one ``return_save`` call; a posted or voided return goes back to its page."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def handle(self, pk: int) -> HttpResponse:
        supplier_return = self.get_document(pk)
        self.check_guard(supplier_return)
        if not supplier_return.is_editable:
            messages.error(self.request, str(ImmutableDocument.default_message))
            return redirect("purchasing:return_detail", pk=pk)
        lines = list(supplier_return.lines.select_related("item", "unit", "location", "lot").order_by("pk"))
        data = self.request.POST if self.request.method == "POST" else None
        form = ReturnEditForm(data, supplier_return=supplier_return, lines=lines)
        errors: list[str] = []
        if data is not None and form.is_valid():
            try:
                return_services.return_save(
                    company=supplier_return.company, actor=self.user, receipt=supplier_return.receipt,
                    lines=form.service_lines(), supplier_return=supplier_return, supplier=supplier_return.supplier,
                    reason=form.cleaned_data["reason"])
            except (DomainError, ValidationError) as exc:
                errors.extend(exc.messages if isinstance(exc, ValidationError) else [str(exc.message)])
            else:
                messages.success(self.request, _("%(document)s saved.") % {"document": supplier_return.reference})
                return redirect("purchasing:return_detail", pk=pk)
        return render(self.request, "purchasing/receiving/return_form.html",
                      self.base_context(document=supplier_return, form=form, errors=errors),
                      status=400 if data is not None else 200)
