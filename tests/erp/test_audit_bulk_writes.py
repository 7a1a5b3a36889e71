"""The guard against unaudited bulk writes (docs/architecture.md, "Audit"): in the core and in every
department's services, a function that writes with ``bulk_create``, ``bulk_update``, a queryset's
``update()``, ``erp.sql.bulk_set`` or an app's ``sql`` module also records its audit entries
(``erp.audit``), or is listed below with the reason it need not."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BULK = {"bulk_create", "bulk_update", "update", "bulk_set"}

# (module, function): why its bulk write has no entries of its own.
EXEMPT = {
    ("inventory/services/stock.py", "lock_valuations"): "ItemValuation: derived from the ledger (moves)",
    ("inventory/services/stock.py", "lock_balances"): "StockBalance: derived from the ledger (moves)",
    ("inventory/services/stock.py", "post_moves"): "StockMove is the append-only ledger itself (posted_by, "
    "document), audited at document grain by the posting's transition; balances and valuations derived",
    ("inventory/services/stock.py", "unhold"): "StockBalance/ItemValuation reserved: derived; the caller audits "
    "the reservations",
    ("erp/exports.py", "fill_job"): "ExportJob: infrastructure, excluded from auditlog",
    ("erp/exports.py", "progress"): "ExportJob: infrastructure, excluded from auditlog",
    ("erp/export_jobs.py", "run_job"): "ExportJob: infrastructure, excluded from auditlog",
    ("erp/events.py", "retry_deliveries"): "EventDelivery: infrastructure, excluded from auditlog",
    ("erp/audit.py", "record"): "writes the audit entries themselves",
    ("erp/audit.py", "batch"): "writes the audit entries themselves",
    ("erp/audit.py", "update_queryset"): "records the entries itself",
    ("erp/sql.py", "bulk_set"): "the statement itself; its callers audit",
    ("sales/services/orders.py", "_confirm"): "the lines' shortages and promised dates follow from the "
    "reservations: document level, the order's confirmation entry and inventory_reserve's",
    ("erp/sql.py", "update_row_if"): "the statement itself; its callers audit",
    ("erp/crypto.py", "rotate_all"): "re-encrypts the same values with the newest key: nothing changes to record",
    ("office/services/wecom.py", "_record"): "WeComRobotMessage: a robot's queue, infrastructure excluded from "
    "auditlog like the outbox (its status, attempts and WeCom's answer are its own history)",
    ("erp/services.py", "api_token_touch"): "ApiToken.last_used: infrastructure, excluded from auditlog",
    ("office/services/notifications.py", "notify"): "Notification: what the system sent, excluded from auditlog "
    "(its time, recipient and read time are the record)",
    ("office/services/notifications.py", "_insert_keyed"): "Notification: excluded from auditlog (see notify)",
    ("office/services/notifications.py", "_insert_deliveries"): "NotificationDelivery: infrastructure with its own "
    "status and attempts, excluded from auditlog",
    ("office/services/notifications.py", "deliveries_retry"): "NotificationDelivery: infrastructure, excluded from "
    "auditlog",
    ("office/services/notifications.py", "notifications_mark_read"): "Notification.read_at: excluded from auditlog",
    ("office/services/notifications.py", "notifications_mark_read_about"): "Notification.read_at: excluded from "
    "auditlog",
    ("production/services/runs.py", "progress_reporter"): "MrpRun.progress and step: a running job's progress, "
    "like ExportJob's (its start, end and result are audited by finish)",
    ("production/services/runs.py", "report"): "MrpRun.progress and step (see progress_reporter)",
    ("production/services/runs.py", "mrp_run_perform"): "MrpRun claimed by its task (queued → running, "
    "started_at): the job's own bookkeeping; the run's end is audited by finish",
    ("finance/services/ledger.py", "period_close"): "Period marked closing for the length of the close (its "
    "first step); the close itself is audited by _period_close",
    ("finance/services/ledger.py", "open_period"): "reads the period under FOR KEY SHARE (finance.sql): writes "
    "nothing",
    ("finance/services/ledger.py", "write_lines"): "JournalLine: written with its entry, excluded from auditlog; "
    "the entry's creation and posting are audited",
    ("finance/services/ledger.py", "entry_post"): "JournalLine dates and AccountBalance sums: excluded from "
    "auditlog; the posting's transition is audited",
    ("finance/services/invoices.py", "recompute_totals"): "CustomerInvoice totals: derived from its lines, which "
    "are audited",
    ("finance/services/invoices.py", "uniform_number_take"): "UniformInvoiceRange.next_number: a counter like "
    "NumberSequence; the number is audited on the invoice's posting",
    ("erp/services.py", "user_sign_out_everywhere"): "User.session_generation: no business data; the access "
    "log records the sign-out",
}


def is_bulk_write(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "bulk_set"
    if not isinstance(func, ast.Attribute):
        return False
    if isinstance(func.value, ast.Name) and func.value.id in {"sql", "sql_queries"} and not func.attr.startswith(
            ("fetch", "first_column", "order_", "token", "permission", "number_take", "outbox")):
        return True  # an app's sql module: its writes (reads and infrastructure excepted)
    if func.attr not in BULK:
        return False
    if func.attr == "update":  # a queryset's update(), not a dict's: a manager or a filter in the chain
        source = ast.unparse(func.value)
        return any(marker in source for marker in (".objects", ".filter(", ".exclude(", "others", ".all()"))
    return True


def is_audit_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "audit"


def unaudited(relative: str, source: str) -> list[str]:
    """``module:function`` of each function in ``source`` with a bulk write and no audit call."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
        if any(is_bulk_write(c) for c in calls) and not any(is_audit_call(c) for c in calls):
            if (relative, node.name) not in EXEMPT:
                found.append(f"{relative}:{node.name}")
    return found


def modules():
    paths = [p for p in (ROOT / "erp").rglob("*.py") if "migrations" not in p.parts]
    for app in settings.DEPARTMENT_APPS:
        paths += list((ROOT / app).glob("services.py")) + list((ROOT / app).glob("services/*.py"))
    return sorted(paths)


def test_every_bulk_write_of_business_data_records_its_audit_entries():
    found = [hit for path in modules()
             for hit in unaudited(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))]
    assert found == []


def test_every_exemption_names_a_function_that_still_exists():
    sources = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8") for path in modules()}
    missing = [key for key in EXEMPT if f"def {key[1]}(" not in sources.get(key[0], "")]
    assert missing == []


def test_the_guard_catches_an_unaudited_bulk_write():
    source = '''
def lines_save(order, lines):
    OrderLine.objects.bulk_create(lines)

def flags_clear(company):
    PriceList.objects.filter(company=company).update(is_default=False)

def shortages_set(lines):
    bulk_set(OrderLine, ["shortage"], {})

def raw_write(task):
    sql.tasks_follow_reference(document_type_id=1, document_id=2, reference="", open_status="", status="")

def audited(order, lines):
    audit.record_created(OrderLine.objects.bulk_create(lines))

def not_a_queryset(context):
    context.update(x=1)
'''
    assert unaudited("sales/services/x.py", source) == [
        "sales/services/x.py:lines_save", "sales/services/x.py:flags_clear", "sales/services/x.py:shortages_set",
        "sales/services/x.py:raw_write"]
