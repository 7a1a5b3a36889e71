"""Inventory: the item master and every stock quantity of the company.

Quantities on moves, balances and reservations are in the item's base unit (Decimal, 6 places, so
unit conversions stay exact); document lines keep the unit the user entered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from erp.codes import CODE_MAX_LENGTH, CodeField
from erp.models import CompanyOwned, Document, MasterData, Restricted
from erp.money import COST, LINE_QTY, MONEY, QTY, QTY_QUANTUM, format_number
from inventory import status as st
from inventory.units import seeded_unit_label

POSITIVE = [MinValueValidator(QTY_QUANTUM)]  # the smallest base-unit quantity


class ImmutableRow(Exception):
    pass


class UnitOfMeasure(MasterData):
    """A unit: pcs, kg, box… Conversions are per item (ItemUnit): a box of screws ≠ a box of bolts."""

    decimals = models.PositiveSmallIntegerField(_("decimals"), default=0, help_text=_("Decimal places shown"))

    class Meta(MasterData.Meta):
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return seeded_unit_label(self.code, self.name)


class ItemCategory(MasterData):
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )

    class Meta(MasterData.Meta):
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")


class Warehouse(MasterData):
    address = models.TextField(_("address"), blank=True)

    class Meta(MasterData.Meta):
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        permissions = [
            # Held per warehouse (guardian, to a keeper or a group) or globally: posting and changing
            # what is in the warehouse, and seeing it (inventory.scoping).
            ("operate_warehouse", _("Can post stock moves in the warehouse")),
            # Held globally by every role that reads inventory except Warehouse: reading every warehouse.
            ("view_all_warehouses", _("Can see every warehouse")),
        ]


class Location(CompanyOwned):
    """A bin or area in a warehouse; locations form a tree. Each warehouse has one transit location."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations",
                                  verbose_name=_("warehouse"))
    code = CodeField()
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=st.LocationKind.choices,
                            default=st.LocationKind.INTERNAL)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["warehouse__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_unique_code_per_warehouse"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"


class Item(MasterData):
    specification = models.CharField(_("specification"), max_length=300, blank=True)
    category = models.ForeignKey(ItemCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="items", verbose_name=_("category"))
    item_type = models.CharField(_("type"), max_length=12, choices=st.ItemType.choices,
                                 default=st.ItemType.RAW_MATERIAL)
    procurement = models.CharField(_("procurement"), max_length=4, choices=st.Procurement.choices,
                                   default=st.Procurement.BUY)
    base_unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("base unit"))
    standard_cost = models.DecimalField(_("standard cost"), default=0, validators=[MinValueValidator(0)], **COST)
    reorder_point = models.DecimalField(_("reorder point"), default=0, validators=[MinValueValidator(0)], **QTY)
    safety_stock = models.DecimalField(_("safety stock"), default=0, validators=[MinValueValidator(0)], **QTY)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=0)
    # MRP's lot sizing (in the base unit): lot for lot; whole multiples of lot_size; or at least
    # lot_minimum, rounded up to a multiple of lot_multiple. A buy item's preferred supplier item wins.
    lot_sizing = models.CharField(_("lot sizing"), max_length=12, choices=st.LotSizing.choices,
                                  default=st.LotSizing.LOT_FOR_LOT, db_default=st.LotSizing.LOT_FOR_LOT)
    lot_size = models.DecimalField(_("fixed lot size"), default=0, db_default=0, validators=[MinValueValidator(0)],
                                   help_text=_("Fixed quantity: planned orders are whole multiples of it."), **QTY)
    lot_minimum = models.DecimalField(_("minimum lot"), default=0, db_default=0, validators=[MinValueValidator(0)],
                                      **QTY)
    lot_multiple = models.DecimalField(_("lot multiple"), default=0, db_default=0, validators=[MinValueValidator(0)],
                                       help_text=_("Planned orders round up to a multiple of it; 0: any quantity."),
                                       **QTY)
    lot_tracked = models.BooleanField(_("lot tracked"), default=False)
    inspection_required = models.BooleanField(
        _("incoming inspection"), default=False,
        help_text=_("Received goods wait in the warehouse's quarantine location until an inspection accepts them."))
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    default_warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", verbose_name=_("default warehouse"))

    class Meta(MasterData.Meta):
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            *MasterData.Meta.constraints,
            models.UniqueConstraint(fields=["company", "barcode"], condition=~Q(barcode=""),
                                    name="item_unique_barcode"),
            models.CheckConstraint(condition=Q(lot_size__gte=0) & Q(lot_minimum__gte=0) & Q(lot_multiple__gte=0),
                                   name="item_lot_sizes_not_negative"),
            models.CheckConstraint(condition=~Q(lot_sizing="fixed") | Q(lot_size__gt=0),
                                   name="item_fixed_lot_size_positive"),
        ]
        indexes = [
            models.Index(fields=["company", "name"], name="item_by_name"),
            models.Index(fields=["company", "barcode"], name="item_by_barcode"),
        ]

    @property
    def is_stocked(self) -> bool:
        return self.item_type != st.ItemType.SERVICE


class ItemUnit(Restricted):
    """An alternative unit of an item: 1 ``unit`` = ``factor`` base units (box = 12 pcs)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="units", verbose_name=_("item"))
    unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    factor = models.DecimalField(_("base units per unit"), validators=POSITIVE, **QTY)

    class Meta:
        verbose_name = _("item unit")
        verbose_name_plural = _("item units")
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="item_unit_unique"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="item_unit_factor_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.unit.code} = {format_number(self.factor)} {self.item.base_unit.code}"


class Lot(CompanyOwned):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots", verbose_name=_("item"))
    number = models.CharField(_("lot number"), max_length=60)
    manufactured_on = models.DateField(_("manufactured on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["item__code", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="lot_unique_number_per_item")]

    def __str__(self) -> str:
        return self.number


class AdjustmentReason(MasterData):
    class Meta(MasterData.Meta):
        verbose_name = _("adjustment reason")
        verbose_name_plural = _("adjustment reasons")


class StockMove(CompanyOwned):
    """One posted change of stock. Never edited or deleted: a mistake is corrected by a reversing move.

    ``quantity`` is signed (in > 0, out < 0) in the item's base unit; ``value`` = quantity × unit cost.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="moves", verbose_name=_("item"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="moves",
                                 verbose_name=_("location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="moves",
                            verbose_name=_("lot"))
    move_type = models.CharField(_("move type"), max_length=20, choices=st.MoveType.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_cost = models.DecimalField(_("unit cost"), **COST)
    value = models.DecimalField(_("value"), **MONEY)
    document_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("document type"))
    document_id = models.PositiveBigIntegerField(_("document id"), null=True, blank=True)
    document = GenericForeignKey("document_type", "document_id")
    document_reference = models.CharField(_("document"), max_length=60, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True, db_index=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("posted by"))

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock ledger")
        ordering = ["-posted_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="stock_move_quantity_not_zero")]
        indexes = [
            models.Index(fields=["company", "item", "-posted_at"], name="move_by_item"),
            models.Index(fields=["company", "warehouse", "-posted_at"], name="move_by_warehouse"),
            models.Index(fields=["document_type", "document_id"], name="move_by_document"),
            models.Index(fields=["lot"], name="move_by_lot"),
        ]

    def __str__(self) -> str:
        return f"{self.document_reference} {self.item.code} {self.quantity:+f}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRow("posted stock moves are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableRow("posted stock moves are never deleted")


class StockBalance(CompanyOwned):
    """On hand and reserved per item, location and lot, kept in step with the ledger in the same
    transaction as each move. The CHECK constraints are the backstop against negative stock."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances", verbose_name=_("item"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances",
                                 verbose_name=_("location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="balances",
                            verbose_name=_("lot"))
    on_hand = models.DecimalField(_("on hand"), default=0, **QTY)
    reserved = models.DecimalField(_("reserved"), default=0, **QTY)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["item", "location", "lot"], nulls_distinct=False,
                                    name="stock_balance_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_balance_no_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_balance_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_balance_reserved_covered"),
        ]
        indexes = [
            models.Index(fields=["company", "warehouse", "item"], name="balance_by_warehouse"),
            models.Index(fields=["company", "item"], name="balance_by_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} @ {self.location}: {self.on_hand}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class ItemValuation(CompanyOwned):
    """Moving-average cost of an item in a company, and its stock totals over the storage
    locations (so low-stock checks never sum the balances). Locked first whenever a move or a
    reservation of the item is written, then the balance rows: one lock order everywhere."""

    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="valuation", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), default=0, **QTY)
    value = models.DecimalField(_("value"), default=0, **MONEY)
    average_cost = models.DecimalField(_("average cost"), default=0, **COST)
    stored = models.DecimalField(_("on hand in storage"), default=0,
                                 help_text=_("On hand in storage locations (not in transit)"), **QTY)
    reserved = models.DecimalField(_("reserved"), default=0, **QTY)

    class Meta:
        verbose_name = _("item valuation")
        verbose_name_plural = _("item valuations")
        constraints = [
            models.CheckConstraint(condition=Q(stored__gte=0) & Q(reserved__gte=0) & Q(reserved__lte=F("stored")),
                                   name="item_totals_consistent"),
        ]
        indexes = [models.Index(fields=["company", "item"], name="valuation_by_company_item")]

    @property
    def available(self) -> Decimal:
        return self.stored - self.reserved

    def __str__(self) -> str:
        return f"{self.item.code}: {self.quantity} @ {self.average_cost}"


class Reservation(CompanyOwned):
    """Stock held for a document line (a sales order line, a work order component)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("item"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations",
                                 verbose_name=_("location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations",
                            verbose_name=_("lot"))
    quantity = models.DecimalField(_("quantity held"), validators=[MinValueValidator(0)], **QTY)
    issued_quantity = models.DecimalField(_("quantity issued"), default=0, **QTY)
    status = models.CharField(_("status"), max_length=10, choices=st.ReservationStatus.choices,
                              default=st.ReservationStatus.ACTIVE)
    document_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("document type"))
    document_id = models.PositiveBigIntegerField(_("document id"), null=True, blank=True)
    document = GenericForeignKey("document_type", "document_id")
    document_reference = models.CharField(_("document"), max_length=60, blank=True)
    # The id of the document's line this holds stock for (a sales order line); null for a document
    # without lines. A plain id: the line's model belongs to the document's app.
    line_id = models.PositiveBigIntegerField(_("line"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0) & Q(issued_quantity__gte=0),
                                   name="reservation_quantities_not_negative"),
            models.CheckConstraint(condition=~Q(status="active") | Q(quantity__gt=0),
                                   name="reservation_active_holds_stock"),
        ]
        indexes = [
            models.Index(fields=["document_type", "document_id", "status"], name="reservation_by_document"),
            models.Index(fields=["item", "status"], name="reservation_by_item"),
        ]

    def __str__(self) -> str:
        return f"{self.document_reference} {self.item.code} {self.quantity}"


# Documents ----------------------------------------------------------------------------------


class StockDocument(Document):
    """Shared fields of the inventory documents."""

    TRANSITIONS = st.SIMPLE_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.DocStatus.choices, default=st.DocStatus.DRAFT)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    notes = models.TextField(_("notes"), blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta(Document.Meta):
        abstract = True


class DocumentLine(Restricted):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **LINE_QTY)
    unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.item.code} {self.quantity} {self.unit.code}"


class GoodsReceipt(StockDocument):
    """Goods in. ``source`` is the document they arrive for, when there is one (a purchase order: a
    generic reference, since inventory cannot name purchasing's models); its app takes part in the
    posting through the hooks ``receipt_posting`` and ``receipt_posted`` (inventory/signals.py)."""

    DOC_TYPE = "GR"
    supplier_reference = models.CharField(_("supplier / reference"), max_length=200, blank=True)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    editable=False, verbose_name=_("source document type"))
    source_id = models.PositiveBigIntegerField(_("source document id"), null=True, blank=True, editable=False)
    source = GenericForeignKey("source_type", "source_id")
    # db_default: the bench generator's COPY (generate_inventory_data) need not name it
    source_reference = models.CharField(_("source document"), max_length=60, blank=True, editable=False,
                                        default="", db_default="")

    class Meta(StockDocument.Meta):
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        indexes = [models.Index(fields=["source_type", "source_id"], name="receipt_by_source")]


class GoodsReceiptLine(DocumentLine):
    document = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    lot_number = models.CharField(_("lot number"), max_length=60, blank=True)
    manufactured_on = models.DateField(_("manufactured on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    unit_cost = models.DecimalField(_("unit cost"), default=0, validators=[MinValueValidator(0)], **COST)
    # The source document's line this receives (a purchase order line), when the receipt has a source.
    source_line_id = models.PositiveBigIntegerField(_("source line id"), null=True, blank=True, editable=False)
    # Where the goods were posted when not at ``location`` (the quarantine location of an item that
    # needs inspection; ``location`` is then where accepted goods are put away).
    posted_location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                        editable=False, verbose_name=_("posted to"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
                            verbose_name=_("lot"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("goods receipt line")
        verbose_name_plural = _("goods receipt lines")


class StockIssue(StockDocument):
    DOC_TYPE = "GI"
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    class Meta(StockDocument.Meta):
        verbose_name = _("stock issue")
        verbose_name_plural = _("stock issues")


class StockIssueLine(DocumentLine):
    document = models.ForeignKey(StockIssue, on_delete=models.CASCADE, related_name="lines")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("stock issue line")
        verbose_name_plural = _("stock issue lines")


class StockTransfer(StockDocument):
    """Between locations of one warehouse it posts at once; between warehouses it is shipped (the
    goods sit in the destination's transit location) and then received.

    A transfer made for another document's shortage (``transfer_create_for_shortage``: stock of
    another warehouse brought to where a sales order ships from) names that document as its source,
    a generic reference like a delivery note's (inventory stands below the apps whose documents
    it serves); a transfer entered by hand has none."""

    DOC_TYPE = "TR"
    TRANSITIONS = st.TRANSFER_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.TransferStatus.choices,
                              default=st.TransferStatus.DRAFT)
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("to warehouse"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    editable=False, verbose_name=_("source document type"))
    source_id = models.PositiveBigIntegerField(_("source document id"), null=True, blank=True, editable=False)
    source = GenericForeignKey("source_type", "source_id")
    source_reference = models.CharField(_("source document"), max_length=60, blank=True, editable=False)

    class Meta(StockDocument.Meta):
        verbose_name = _("stock transfer")
        verbose_name_plural = _("stock transfers")
        indexes = [models.Index(fields=["source_type", "source_id"], name="transfer_by_source")]

    @property
    def is_two_step(self) -> bool:
        return self.warehouse_id != self.to_warehouse_id


class StockTransferLine(DocumentLine):
    document = models.ForeignKey(StockTransfer, on_delete=models.CASCADE, related_name="lines")
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("from location"))
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("to location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("stock transfer line")
        verbose_name_plural = _("stock transfer lines")


class StockAdjustment(StockDocument):
    DOC_TYPE = "ADJ"
    reason = models.ForeignKey(AdjustmentReason, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("reason"))

    class Meta(StockDocument.Meta):
        verbose_name = _("stock adjustment")
        verbose_name_plural = _("stock adjustments")


class StockAdjustmentLine(Restricted):
    """``quantity_change`` in the line's unit: positive adds stock, negative removes it."""

    document = models.ForeignKey(StockAdjustment, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))
    quantity_change = models.DecimalField(_("quantity change"), **LINE_QTY)
    unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, validators=[MinValueValidator(0)],
                                    help_text=_("For additions; empty = current average cost"), **COST)

    class Meta:
        verbose_name = _("stock adjustment line")
        verbose_name_plural = _("stock adjustment lines")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=~Q(quantity_change=0), name="adjustment_line_not_zero")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.quantity_change:+f} {self.unit.code}"


class StockCount(StockDocument):
    """A count sheet for a warehouse (or one location): expected quantities are snapshotted when
    counting starts; the variances post as one document."""

    DOC_TYPE = "SC"
    TRANSITIONS = st.COUNT_TRANSITIONS
    EDITABLE = frozenset({"draft", "counting"})
    status = models.CharField(_("status"), max_length=20, choices=st.CountStatus.choices,
                              default=st.CountStatus.DRAFT)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("location"), help_text=_("Empty: the whole warehouse"))

    class Meta(StockDocument.Meta):
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")


class StockCountLine(Restricted):
    document = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))
    expected_quantity = models.DecimalField(_("expected quantity"), default=0, **QTY)
    counted_quantity = models.DecimalField(_("counted quantity"), null=True, blank=True,
                                           validators=[MinValueValidator(0)], **QTY)

    class Meta:
        verbose_name = _("stock count line")
        verbose_name_plural = _("stock count lines")
        ordering = ["location__code", "item__code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "item", "location", "lot"], nulls_distinct=False,
                                    name="count_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} @ {self.location}: {self.counted_quantity}"

    @property
    def variance(self) -> Decimal | None:
        if self.counted_quantity is None:
            return None
        return self.counted_quantity - self.expected_quantity


class DeliveryNote(StockDocument):
    """Goods leaving for a customer against a source document (出貨單), such as a sales order.

    The app that owns the source asks for the draft (``delivery_create_for_source``): one line per
    reservation of the source, with the location and lot it took, first-expiring lots first. The
    keeper enters what was picked; posting issues the picked quantities, lets the source's app record
    them (``inventory.signals.delivery_posting`` / ``delivery_shipped``), and puts what was not
    picked on a backorder note. The source is a generic reference (inventory stands below the apps
    whose documents it ships); what the note prints about the customer is copied onto it when it is
    made. A posted delivery is undone only by a customer return.
    """

    DOC_TYPE = "DN"
    TRANSITIONS = {st.DocStatus.DRAFT: {st.DocStatus.POSTED, st.DocStatus.CANCELLED}}
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("source document type"))
    source_id = models.PositiveBigIntegerField(_("source document id"))
    source = GenericForeignKey("source_type", "source_id")
    source_reference = models.CharField(_("source document"), max_length=60)
    customer_code = models.CharField(_("customer code"), max_length=CODE_MAX_LENGTH, blank=True)
    customer_name = models.CharField(_("customer"), max_length=200)
    customer_tax_id = models.CharField(_("tax id"), max_length=20, blank=True)
    customer_reference = models.CharField(_("customer reference"), max_length=100, blank=True)
    ship_to = models.TextField(_("ship to"), blank=True)
    due_date = models.DateField(_("promised date"), null=True, blank=True)
    backorder_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="backorders", verbose_name=_("backorder of"))
    source_event = models.BigIntegerField(_("source event"), null=True, blank=True, unique=True, editable=False,
                                          help_text="The order-confirmed event this draft was generated from.")

    class Meta(StockDocument.Meta):
        verbose_name = _("delivery note")
        verbose_name_plural = _("delivery notes")
        indexes = [
            models.Index(fields=["company", "status", "-created_at"], name="delivery_by_status"),
            models.Index(fields=["source_type", "source_id"], name="delivery_by_source"),
        ]

    @property
    def customer_display(self) -> str:
        """The customer as the note shows it: code and name."""
        return f"{self.customer_code} {self.customer_name}".strip()


class DeliveryNoteLine(Restricted):
    """``quantity`` is what the source asks to ship on this note, ``picked`` what the keeper picked
    (both in ``unit``); a line the keeper adds to split a pick has quantity 0. ``source_line_id`` is
    the source document's line (a sales order line), also the key of its reservations."""

    document = models.ForeignKey(DeliveryNote, on_delete=models.CASCADE, related_name="lines")
    source_line_id = models.PositiveBigIntegerField(_("source line id"))
    source_line_no = models.PositiveIntegerField(_("line"), default=0)
    description = models.CharField(_("description"), max_length=300, blank=True)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    quantity = models.DecimalField(_("to ship"), default=0, validators=[MinValueValidator(0)], **LINE_QTY)
    picked = models.DecimalField(_("picked"), default=0, validators=[MinValueValidator(0)], **LINE_QTY)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("location"))
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("lot"))
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, editable=False, **COST)

    class Meta:
        verbose_name = _("delivery note line")
        verbose_name_plural = _("delivery note lines")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=0) & Q(picked__gte=0),
                                              name="delivery_line_quantities_not_negative")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.picked}/{self.quantity} {self.unit.code}"
