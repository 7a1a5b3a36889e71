"""The shared core's tables: company, departments, users, numbering, the event outbox, access log.

Department apps build on the abstract ``CompanyOwned``, ``MasterData`` and ``Document`` classes (and
``Restricted`` for lines and other rows without a company of their own); every one of them is read
through ``Model.objects.restrict(user, action)`` (erp.scoping).
"""

from collections.abc import Collection, Mapping, Set
from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from erp.codes import CodeField
from erp.errors import ImmutableDocument
from erp.identifiers import TaxIdField
from erp.number_formats import DEFAULT_FORMAT, NUMBER_MAX_LENGTH, check_number_format
from erp.scoping import RestrictedManager


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    code = CodeField(unique=True)
    tax_id = TaxIdField()
    base_currency = models.CharField(
        _("base currency"),
        max_length=3,
        default="TWD",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as TWD."))],
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"),
        default=1,
        help_text=_("Document numbers follow the fiscal year, named after the calendar year in which it starts."),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    shipping_prep_days = models.PositiveSmallIntegerField(
        _("shipping preparation days"),
        default=1,
        help_text=_("Days the warehouse needs to pick, pack and ship: goods asked of production or purchasing for "
                    "an order are needed this many days before the date promised to the customer."),
        validators=[MaxValueValidator(60)],
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    cost_decimals = models.PositiveSmallIntegerField(
        _("decimals of unit costs and prices"),
        default=4,
        help_text=_("Decimal places shown for unit costs and unit prices (amounts of money always show 2)."),
        validators=[MaxValueValidator(6)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1) & Q(fiscal_year_start_month__lte=12),
                name="company_fiscal_month_range",
            ),
            models.CheckConstraint(condition=Q(cost_decimals__lte=6), name="company_cost_decimals_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Restricted(models.Model):
    """A business model read through ``Model.objects.restrict(user, action)`` (erp.scoping): the rows
    the user may see or act on. Lines and other rows without a company of their own use it directly."""

    objects = RestrictedManager()

    class Meta:
        abstract = True


class CompanyOwned(Restricted):
    """Everything a department owns belongs to a company."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))

    class Meta:
        abstract = True


class MasterData(CompanyOwned):
    """Coded master data: the code is normalised and unique within the company."""

    code = CodeField()
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="%(app_label)s_%(class)s_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Department(MasterData):
    """An organisational unit; tasks can be assigned to a whole department."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    # The requester's manager for approvals ("the head of the requester's department"); a head of a
    # department is normally a member of it, whose own manager is then the parent department's head.
    head = models.ForeignKey(
        "erp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="headed_departments",
        verbose_name=_("head"), help_text=_("The manager who approves for the department's members."),
    )

    class Meta(MasterData.Meta):
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class User(AbstractUser):
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=_("company")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
        verbose_name=_("department"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    # Raised by "sign out everywhere": every session signed with an older value is refused
    # (get_session_auth_hash below); API tokens are deleted at the same time (erp.tokens).
    session_generation = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    # Kept on the instance, not columns: the permission set (erp.permissions.ModelBackend) and the
    # permission version read with an API token (erp.api.auth).
    _perm_cache: set[str]
    _perm_version: int

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined,misc]  # the stubs do not declare AbstractUser.Meta
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def get_session_auth_hash(self) -> str:
        # Generation 0 keeps Django's hash, so the sessions open before this field existed stay valid.
        if not self.session_generation:
            return super().get_session_auth_hash()
        return salted_hmac("erp.User.get_session_auth_hash", f"{self.password}:{self.session_generation}",
                           algorithm="sha256").hexdigest()

    def get_full_name(self) -> str:
        # Chinese names read family name first, without a space: 張倉管, not "倉管 張".
        if any("\u3400" <= ch <= "\u9fff" for ch in self.last_name + self.first_name):
            return f"{self.last_name}{self.first_name}".strip()
        return super().get_full_name()


class NumberingRule(CompanyOwned):
    """How one document type's numbers look in one company, e.g. SO-2026-000123."""

    doc_type = models.CharField(_("document type"), max_length=10)
    format = models.CharField(
        _("format"),
        max_length=60,
        default=DEFAULT_FORMAT,
        help_text=_(
            "Placeholders: {prefix}, {year} (the fiscal year, named after the calendar year in which it starts) "
            "and {seq} (the running number, required), each with an optional format such as {seq:05d}; "
            "e.g. {prefix}{year}{seq:05d}."
        ),
    )
    prefix = models.CharField(_("prefix"), max_length=10)
    yearly_reset = models.BooleanField(_("restart each fiscal year"), default=True)

    class Meta:
        verbose_name = _("numbering rule")
        verbose_name_plural = _("numbering rules")
        constraints = [models.UniqueConstraint(fields=["company", "doc_type"], name="numbering_rule_unique_type")]

    def __str__(self) -> str:
        return f"{self.doc_type}: {self.format}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The guard for rules written by code (forms and admin call clean() first): a format that
        # cannot number a document is refused now, not at the first confirmation.
        check_number_format(self.format, prefix=self.prefix, yearly_reset=self.yearly_reset)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        check_number_format(self.format, prefix=self.prefix, yearly_reset=self.yearly_reset)


class NumberSequence(CompanyOwned):
    """The last number taken for a document type and fiscal year. Locked while a number is taken."""

    doc_type = models.CharField(max_length=10)
    year = models.PositiveIntegerField(
        _("fiscal year"),
        help_text=_("The calendar year in which the fiscal year starts; 0 when the series never restarts."),
    )
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(fields=["company", "doc_type", "year"], name="number_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} {self.year}: {self.last_value}"


class Document(CompanyOwned):
    """The abstract base of every business document.

    Subclasses set ``DOC_TYPE`` (numbering prefix), ``Status`` (TextChoices), ``TRANSITIONS``
    ({from: {to, …}}), ``EDITABLE`` (statuses in which the document may still be edited) and give
    ``status`` its choices/default. Status changes go only through ``erp.documents.transition``.
    """

    DOC_TYPE: ClassVar[str]  # every concrete document sets it
    TRANSITIONS: ClassVar[Mapping[str, Set[str]]] = {}
    EDITABLE: ClassVar[frozenset[str]] = frozenset({"draft"})
    DRAFT: ClassVar[str] = "draft"
    # Statuses that do not take a number yet (erp.documents.transition takes it on leaving them).
    UNNUMBERED: ClassVar[frozenset[str]] = frozenset({"draft", "cancelled"})
    _stored_status: str | None  # the status as read from the database (from_db), not a column

    number = models.CharField(_("number"), max_length=NUMBER_MAX_LENGTH, blank=True, default="", db_index=True)
    status = models.CharField(_("status"), max_length=20, default="draft")
    document_date = models.DateField(_("date"), default=timezone.localdate)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, editable=False,
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # A voided (作廢) document keeps why, by whom and when (erp.documents.void): shown on its page and
    # in its history. A reason the system gave is a message key, translated when shown (void_reason_text).
    void_reason = models.CharField(_("void reason"), max_length=300, blank=True, default="", db_default="",
                                   editable=False)  # db_default: bulk COPY writers (bench) need not name it
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        editable=False, verbose_name=_("voided by"),
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="%(app_label)s_%(class)s_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return str(self.reference)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The guard behind the rule "posted documents are immutable": status changes use a
        # conditional UPDATE in erp.documents, so a save() of a non-editable document is a bug.
        stored = getattr(self, "_stored_status", None)
        if self.pk and stored is not None and stored not in self.EDITABLE:
            raise ImmutableDocument()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        stored = getattr(self, "_stored_status", self.status)
        if stored not in self.EDITABLE or self.number:
            raise ImmutableDocument()
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any]) -> Self:
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.__dict__.get("status")
        return instance

    @property
    def number_type(self) -> str:
        """The numbering series (erp.numbering) this document's number is taken from."""
        return self.DOC_TYPE

    @property
    def reference(self) -> str:
        """The number once taken; before that a provisional reference that never burns a number."""
        if self.number:
            return self.number
        return _("Draft %(type)s #%(id)s") % {"type": self.DOC_TYPE, "id": self.pk or "-"}

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def void_reason_text(self) -> str:
        """The void reason in the reader's language: a reason the system gave is a message key
        (erp.documents.SYSTEM_VOID_REASONS); what a person typed is shown as typed."""
        return gettext(self.void_reason) if self.void_reason else ""


class OutboxEvent(models.Model):
    """A business event, written in the same transaction as the change it announces.

    ``name`` is the declaring ``EventSignal``'s (compare with ``signal.name``, never a literal);
    ``source`` the document the event is about: its content type and integer id, a generic
    reference since the core cannot point at a department's tables."""

    name = models.CharField(_("event"), max_length=100, db_index=True)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder, default=dict)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="event_by_source")]  # a document's events

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"


class EventDelivery(models.Model):
    """One subscriber's handling of one event: at most once, retried with backoff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(_("subscriber"), max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        ordering = ["-id"]
        constraints = [
            # The idempotency key: one delivery per event and subscriber.
            models.UniqueConstraint(fields=["event", "subscriber"], name="event_delivery_once_per_subscriber"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="event_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber} ({self.status})"


class AccessLog(models.Model):
    """Security-relevant happenings that are not row changes: logins, denials, exports."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGOUT = "logout", _("Logout")
        LOGIN_FAILED = "login_failed", _("Failed login")
        PERMISSION_DENIED = "denied", _("Permission denied")
        NOT_FOUND = "not_found", _("Not found or out of scope")
        CSRF_FAILURE = "csrf_failure", _("CSRF check failed")
        EXPORT = "export", _("Export")
        LOCKED_OUT = "locked_out", _("Locked out")
        TOKEN_ISSUED = "token_issued", _("API token issued")
        SIGNED_OUT_EVERYWHERE = "signed_out_all", _("Signed out everywhere")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class ApiToken(models.Model):
    """An API token, stored as the SHA-256 of its key: the key is shown once, when issued (erp.tokens).

    A token ends ``API_TOKEN_IDLE_HOURS`` after its last use and ``API_TOKEN_MAX_DAYS`` after it was
    issued (``expires_at``), and is deleted when its user's password changes, when the user is
    deactivated and on "sign out everywhere". ``prefix`` (the key's first characters) tells tokens
    apart in the admin; it is not enough to use one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    key_digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


class ExportJob(Restricted):
    """A large export built in the background (Celery) with progress, downloaded by its owner."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports",
                             verbose_name=_("user"))
    filename = models.CharField(_("file name"), max_length=120)
    fmt = models.CharField(_("format"), max_length=4)
    path = models.CharField(_("page"), max_length=300)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename}.{self.fmt}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
