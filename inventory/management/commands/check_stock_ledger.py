"""Prove that the stock tables agree with the ledger, company by company.

- every balance (item, location, lot) equals the sum of its moves (``ledger_totals_match_balances``);
- every item's valuation quantity and value equal the sums of its moves' quantities and values;
- no balance is negative, reserves less than nothing or more than is on hand.

Prints a summary; exits 1 listing the rows that disagree.
"""

from collections import namedtuple

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, F, Q, Sum

from erp.models import Company
from inventory.models import Item, ItemValuation, Location, Lot, StockBalance, StockMove
from inventory.selectors import ledger_totals_match_balances
from inventory.status import LocationKind

Problem = namedtuple("Problem", "kind item_id location_id lot_id detail")


class Command(BaseCommand):
    help = "Check that stock balances and valuations equal the sums of the stock ledger; exit 1 if not."

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="CODE", help="check one company (default: every company)")
        parser.add_argument("--limit", type=int, default=100, help="list at most this many differences (default 100)")

    def handle(self, *args, company=None, limit=100, **options):
        companies = Company.objects.order_by("code")
        if company:
            companies = companies.filter(code=company.strip().upper())
            if not companies.exists():
                raise CommandError(f"no company with code {company!r}")
        problems = []
        for each in companies:
            found = check_company(each)
            problems.extend((each, p) for p in found)
            self.stdout.write(summary(each, found))
        if problems:
            self.stdout.write(f"{len(problems)} difference(s):")
            for each, problem in describe(problems[:limit]):
                self.stdout.write(f"  [{each.code}] {problem}")
            if len(problems) > limit:
                self.stdout.write(f"  … and {len(problems) - limit} more")
            raise CommandError(f"the stock ledger check found {len(problems)} difference(s)", returncode=1)
        self.stdout.write("stock ledger check: OK")


def check_company(company):
    problems = [
        Problem("balance", item_id, location_id, lot_id, f"ledger {ledger} ≠ balance {balance}")
        for (item_id, location_id, lot_id), ledger, balance in ledger_totals_match_balances(company)
    ]
    problems += valuation_problems(company)
    problems = item_total_problems(company) + problems
    negative = StockBalance.objects.filter(company=company).filter(
        Q(on_hand__lt=0) | Q(reserved__lt=0) | Q(reserved__gt=F("on_hand"))
    )
    problems += [
        Problem("negative", b.item_id, b.location_id, b.lot_id, f"on hand {b.on_hand}, reserved {b.reserved}")
        for b in negative.order_by("item_id", "location_id", "lot_id")
    ]
    return problems


def item_total_problems(company):
    """The per-item storage totals kept on ItemValuation equal the storage balances' sums."""
    stored = {
        row["item_id"]: (row["stored"], row["reserved"])
        for row in StockBalance.objects.filter(company=company, location__kind=LocationKind.INTERNAL)
        .values("item_id").annotate(stored=Sum("on_hand"), reserved=Sum("reserved"))
    }
    totals = {
        row["item_id"]: (row["stored"], row["reserved"])
        for row in ItemValuation.objects.filter(company=company).values("item_id", "stored", "reserved")
    }
    problems = []
    for item_id in sorted(set(stored) | set(totals)):
        expected, kept = stored.get(item_id, (0, 0)), totals.get(item_id, (0, 0))
        if expected[0] != kept[0] or expected[1] != kept[1]:
            problems.append(Problem(
                "item totals", item_id, None, None,
                f"storage balances on hand {expected[0]} reserved {expected[1]} ≠ item totals {kept[0]} / {kept[1]}",
            ))
    return problems


def valuation_problems(company):
    ledger = {
        row["item_id"]: (row["quantity"], row["value"])
        for row in StockMove.objects.filter(company=company).values("item_id")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
    }
    valued = {
        row["item_id"]: (row["quantity"], row["value"])
        for row in ItemValuation.objects.filter(company=company).values("item_id", "quantity", "value")
    }
    problems = []
    for item_id in sorted(set(ledger) | set(valued)):
        moves = ledger.get(item_id, (0, 0))
        valuation = valued.get(item_id, (0, 0))
        if moves[0] != valuation[0] or moves[1] != valuation[1]:
            problems.append(Problem(
                "valuation", item_id, None, None,
                f"moves quantity {moves[0]} value {moves[1]} ≠ valuation quantity {valuation[0]} value {valuation[1]}",
            ))
    return problems


def summary(company, problems):
    moves = StockMove.objects.filter(company=company).aggregate(n=Count("id"))["n"]
    balances = StockBalance.objects.filter(company=company).count()
    items = ItemValuation.objects.filter(company=company).count()
    verdict = "OK" if not problems else f"{len(problems)} difference(s)"
    return f"{company.code}: {moves} moves, {balances} balances, {items} valued items checked: {verdict}"


def describe(problems):
    """The problems with item codes, locations and lot numbers instead of ids (one query per table)."""
    items = Item.objects.in_bulk({p.item_id for _c, p in problems})
    locations = Location.objects.select_related("warehouse").in_bulk(
        {p.location_id for _c, p in problems if p.location_id})
    lots = Lot.objects.in_bulk({p.lot_id for _c, p in problems if p.lot_id})
    for company, p in problems:
        where = f" at {locations[p.location_id]}" if p.location_id in locations else ""
        lot = f" lot {lots[p.lot_id].number}" if p.lot_id in lots else ""
        item = items[p.item_id].code if p.item_id in items else f"item #{p.item_id}"
        yield company, f"{p.kind}: {item}{where}{lot}: {p.detail}"
