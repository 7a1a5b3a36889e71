"""The registry of approvable document types: how a department plugs its documents into the approval
engine without office knowing the department (design rule 1).

A department declares its types from its ``AppConfig.ready()``::

    register_approval_type(ApprovalType(
        key="sales.credit_exception", model="sales.salesorder", label=_("Credit-limit exception"),
        fields=(
            ConditionField("order_total", _("Order total"), AMOUNT, lambda order: order.total_amount),
            ConditionField("customer", _("Customer"), RECORD, lambda order: order.customer),
            ...
        ),
        requester=lambda order: order.sales_rep or order.created_by,
        url=lambda order: reverse("sales:order_detail", args=[order.pk]),
        lookup=find_order,               # the rule editor's preview finds a document by its reference
    ))

and asks the engine with ``office.services.approvals.approval_submit(document=…, type_key=…, actor=…)``;
``office.signals.approval_decided`` tells it the outcome in the deciding transaction.

Condition fields read a value from the document. Their ``kind`` says how a rule's condition compares it
(``OPERATORS``) and how the value is stored in the request's snapshot (``snapshot_value``): amounts and
numbers as decimals; text and choices as text; users, departments and other records by their code
(a user's username, a department's or customer's code) — what the rule editor types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.errors import DomainError
from office.status import ConditionOperator as Op

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from erp.models import Company, User

AMOUNT = "amount"
NUMBER = "number"
TEXT = "text"
CHOICE = "choice"
USER = "user"
DEPARTMENT = "department"
RECORD = "record"

KIND_LABELS: dict[str, StrOrPromise] = {
    AMOUNT: _l("Amount"), NUMBER: _l("Number"), TEXT: _l("Text"), CHOICE: _l("Choice"), USER: _l("User"),
    DEPARTMENT: _l("Department"), RECORD: _l("Record"),
}
NUMERIC = (AMOUNT, NUMBER)
CODED = (USER, DEPARTMENT, RECORD)
OPERATORS: dict[str, tuple[str, ...]] = {
    AMOUNT: (Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE),
    NUMBER: (Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE),
    TEXT: (Op.EQ, Op.NE, Op.CONTAINS, Op.IN),
    CHOICE: (Op.EQ, Op.NE, Op.IN),
    USER: (Op.EQ, Op.NE, Op.IN),
    DEPARTMENT: (Op.EQ, Op.NE, Op.IN),
    RECORD: (Op.EQ, Op.NE, Op.IN),
}


@dataclass(frozen=True)
class ConditionField:
    """A value of a document that rules may test: ``get(document)`` reads it (None: the document has
    none, e.g. no sales rep). ``choices`` for a CHOICE field: (value, label) pairs."""

    name: str
    label: StrOrPromise
    kind: str
    get: Callable[[Any], Any]
    choices: Sequence[tuple[str, StrOrPromise]] = ()

    def __post_init__(self) -> None:
        if self.kind not in OPERATORS:
            raise ValueError(f"unknown condition field kind {self.kind!r}")

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind]


@dataclass(frozen=True)
class ApprovalType:
    """An approvable kind of document. ``key`` "<app>.<what>"; ``model`` the document's
    "app_label.model_name"; ``requester(document)`` who asks (None: the submitting user);
    ``reference(document)`` the text the trail and the lists show; ``url(document)`` its page (by
default ``get_absolute_url()``);
    ``lookup(company, reference)`` finds a document by the reference a person types (the preview)."""

    key: str
    model: str
    label: StrOrPromise
    fields: tuple[ConditionField, ...]
    requester: Callable[[Any], User | None]
    url: Callable[[Any], str] = field(default=lambda document: str(getattr(document, "get_absolute_url", str)()))
    reference: Callable[[Any], str] = field(default=lambda document: str(getattr(document, "reference", document)))
    lookup: Callable[[Company, str], Model | None] | None = None

    @property
    def app(self) -> str:
        return self.key.split(".", 1)[0]

    def condition_field(self, name: str) -> ConditionField:
        for each in self.fields:
            if each.name == name:
                return each
        raise DomainError(_("%(type)s has no condition field “%(field)s”.") % {"type": self.label, "field": name},
                          field="conditions")

    def field_names(self) -> list[str]:
        return [each.name for each in self.fields]


APPROVAL_TYPES: dict[str, ApprovalType] = {}


def register_approval_type(approval_type: ApprovalType) -> None:
    """Declare an approvable document type (from the department's ``AppConfig.ready()``; may run twice)."""
    known = APPROVAL_TYPES.get(approval_type.key)
    if known is not None and known.model != approval_type.model:
        raise ValueError(f"approval type {approval_type.key!r} is declared twice")
    if len({each.name for each in approval_type.fields}) != len(approval_type.fields):
        raise ValueError(f"approval type {approval_type.key!r} names a condition field twice")
    APPROVAL_TYPES[approval_type.key] = approval_type


def approval_type(key: str) -> ApprovalType:
    """The type registered under ``key``; a DomainError for an unknown one."""
    try:
        return APPROVAL_TYPES[key]
    except KeyError:
        raise DomainError(_("There is no approval type “%(type)s”.") % {"type": key}, field="type_key") from None


def approval_types() -> list[ApprovalType]:
    return sorted(APPROVAL_TYPES.values(), key=lambda each: each.key)


def type_choices() -> list[tuple[str, StrOrPromise]]:
    return [(each.key, each.label) for each in approval_types()]


def type_label(key: str) -> StrOrPromise:
    known = APPROVAL_TYPES.get(key)
    return known.label if known is not None else key


def types_for_model(model: type[Model] | Model) -> list[ApprovalType]:
    label = model._meta.label_lower
    return [each for each in approval_types() if each.model == label]


# Values -------------------------------------------------------------------------------------------


def code_of(value: Any) -> str:
    """A user, department or other record as rules name it: a username, a code, else its id."""
    for attribute in ("username", "code"):
        code = getattr(value, attribute, None)
        if code:
            return str(code)
    pk = getattr(value, "pk", None)
    return str(pk if pk is not None else value)


def snapshot_value(condition_field: ConditionField, value: Any) -> dict[str, Any]:
    """``{"value": …, "text": …}``: the value as conditions compare it (a decimal as text, a code) and
    as people read it. JSON-ready: what a request keeps of the document when it is submitted."""
    if value is None or value == "":
        return {"value": None, "text": ""}
    if condition_field.kind in NUMERIC:
        number = to_decimal(value)
        return {"value": None if number is None else str(number), "text": str(value)}
    if condition_field.kind in CODED:
        return {"value": code_of(value), "text": str(value)}
    if condition_field.kind == CHOICE:
        labels = dict(condition_field.choices)
        return {"value": str(value), "text": str(labels.get(str(value), value))}
    return {"value": str(value), "text": str(value)}


def document_values(approval_type_: ApprovalType, document: Any) -> dict[str, dict[str, Any]]:
    """Every condition field of ``document`` as a snapshot (``snapshot_value``), by field name."""
    return {each.name: snapshot_value(each, each.get(document)) for each in approval_type_.fields}


def typed_values(approval_type_: ApprovalType, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Values a person typed (the preview) as snapshots; an amount that is not a number is a
    DomainError on its field."""
    out = {}
    for each in approval_type_.fields:
        raw = values.get(each.name)
        raw = raw.strip() if isinstance(raw, str) else raw
        if each.kind in NUMERIC and raw not in (None, "") and to_decimal(raw) is None:
            raise DomainError(_("Enter a number."), field=each.name)
        out[each.name] = snapshot_value(each, raw)
    return out


def to_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


def listed(expected: str) -> list[str]:
    """An ``in`` condition's value: items separated by commas (，、 as well)."""
    for separator in ("，", "、", "\n"):
        expected = expected.replace(separator, ",")
    return [item.strip() for item in expected.split(",") if item.strip()]


def condition_holds(condition_field: ConditionField, operator: str, expected: str, actual: Any) -> bool:
    """Whether a condition "``field`` ``operator`` ``expected``" holds for the snapshot value ``actual``
    (``snapshot_value(...)["value"]``). A document without a value matches only "≠"."""
    if actual is None:
        return operator == Op.NE
    if condition_field.kind in NUMERIC:
        left, right = to_decimal(actual), to_decimal(expected)
        if left is None or right is None:
            return False
        return {Op.EQ: left == right, Op.NE: left != right, Op.GT: left > right, Op.GTE: left >= right,
                Op.LT: left < right, Op.LTE: left <= right}.get(operator, False)
    text, wanted = str(actual).casefold(), expected.strip().casefold()
    if operator == Op.EQ:
        return text == wanted
    if operator == Op.NE:
        return text != wanted
    if operator == Op.IN:
        return text in {item.casefold() for item in listed(expected)}
    if operator == Op.CONTAINS:
        return wanted in text
    return False


def check_condition(approval_type_: ApprovalType, name: str, operator: str, expected: str,
                    *, exists: Callable[[str, str], bool] | None = None) -> None:
    """Refuse a condition the type cannot evaluate: an unknown field, an operator the field's kind
    does not have, a value that is not a number, a choice or (``exists(kind, code)``) a known user or
    department."""
    condition_field = approval_type_.condition_field(name)
    if operator not in condition_field.operators:
        raise DomainError(_("“%(operator)s” cannot compare %(field)s.") % {
            "operator": dict(Op.choices).get(operator, operator), "field": condition_field.label}, field="conditions")
    expected = expected.strip()
    if not expected:
        raise DomainError(_("Enter the value %(field)s is compared with.") % {"field": condition_field.label},
                          field="conditions")
    items: Iterable[str] = listed(expected) if operator == Op.IN else [expected]
    for item in items:
        if condition_field.kind in NUMERIC and to_decimal(item) is None:
            raise DomainError(_("%(field)s is compared with a number, not “%(value)s”.") % {
                "field": condition_field.label, "value": item}, field="conditions")
        if condition_field.kind == CHOICE and item not in dict(condition_field.choices):
            raise DomainError(_("“%(value)s” is not one of the choices of %(field)s.") % {
                "field": condition_field.label, "value": item}, field="conditions")
        if exists is not None and condition_field.kind in (USER, DEPARTMENT) and not exists(condition_field.kind, item):
            missing = (_("There is no user “%(value)s”.") if condition_field.kind == USER
                       else _("There is no department “%(value)s”."))
            raise DomainError(missing % {"value": item}, field="conditions")
