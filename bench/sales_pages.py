"""Response times of the sales order screens over HTTP: the order list (first page, and filtered by
customer), the order's cross-department page and its live-refresh partial.

    .venv/bin/python bench/sales_pages.py --company SBENCH --runs 50 [--as-rep]

Logs in through the login form like a browser (see bench/inventory_pages.py), warms up, then requests
each page ``--runs`` times in turn and prints p50/p95/max. The URLs come from their names
(``sales:order_list``, ``sales:order_detail``, ``sales:order_tracking``); every run takes another
random order and another random customer of the company, so the figures are not one cached row.
The tracking partial is requested as htmx does (``HX-Request: true``). ``--as-rep`` adds the order
list as seen by a sales rep (their customers only, through the guardian permission); ``--api`` adds
the API's order list (``/api/sales/orders/``, first page with its exact count, session auth) for the
user and, with ``--as-rep``, for the rep. Compare a rep with a manager in one run with
``--user sbench-mgr --as-rep``. A page that does not answer 200 is reported with its status, and the
script exits with status 1.

Django is set up only to resolve the URL names and pick the sample orders and customers: use the
same DATABASE_URL as the server.
"""

import argparse
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.urls import reverse  # noqa: E402
from inventory_pages import LOGIN_PATH, Client, percentile  # noqa: E402

from erp.models import Company, User  # noqa: E402
from sales.models import Customer, SalesOrder  # noqa: E402


def sample_ids(queryset, count, rng):
    """``count`` random primary keys of ``queryset`` without sorting the table (random id probes)."""
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    found = []
    for _attempt in range(50):
        probes = [rng.randint(bounds["low"], bounds["high"]) for _n in range(count * 2)]
        found += list(queryset.filter(pk__in=probes).values_list("pk", flat=True))
        if len(set(found)) >= count:
            break
    unique = list(dict.fromkeys(found))
    rng.shuffle(unique)
    return unique[:count]


class TimedClient(Client):
    def timed(self, path, headers=None):
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body, status, final = response.read(), response.status, response.geturl()
        except urllib.error.HTTPError as error:
            body, status, final = error.read(), error.code, error.geturl()
        elapsed = (time.perf_counter() - started) * 1000
        if status == 200 and LOGIN_PATH in final:
            status = "login"
        return status, elapsed, len(body)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--company", default="SBENCH", help="company code (default SBENCH)")
    parser.add_argument("--user", default=None, help="user to log in as (default: the company's System admin)")
    parser.add_argument("--password", default=None, help="its password (default DEMO_PASSWORD)")
    parser.add_argument("--as-rep", action="store_true", help="also time the order list as the first sales rep")
    parser.add_argument("--api", action="store_true", help="also time the API's order list (/api/sales/orders/)")
    parser.add_argument("--customer-param", default="customer",
                        help="query parameter of the list's customer filter (default customer, by code)")
    parser.add_argument("--runs", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    company = Company.objects.filter(code=args.company.upper()).first()
    if company is None:
        raise SystemExit(f"no company {args.company}: run manage.py generate_sales_data first")
    password = args.password or settings.DEMO_PASSWORD
    username = args.user or company.code.lower()
    orders = sample_ids(SalesOrder.objects.filter(company=company), args.runs + 1, rng)
    customers = list(Customer.objects.filter(pk__in=sample_ids(Customer.objects.filter(company=company),
                                                               args.runs + 1, rng)).values_list("code", flat=True))
    if not orders or not customers:
        raise SystemExit(f"company {company.code} has no orders or customers")
    list_url = reverse("sales:order_list")
    pages = [
        ("order list", lambda n: list_url, {}),
        ("order list by customer",
         lambda n: f"{list_url}?{urllib.parse.urlencode({args.customer_param: customers[n % len(customers)]})}", {}),
        ("order page", lambda n: reverse("sales:order_detail", args=[orders[n % len(orders)]]), {}),
        ("order tracking (htmx)", lambda n: reverse("sales:order_tracking", args=[orders[n % len(orders)]]),
         {"HX-Request": "true"}),
    ]
    api_list_url = "/api/sales/orders/"
    if args.api:
        pages.append(("API order list", lambda n: api_list_url, {"Accept": "application/json"}))
    clients = {"main": TimedClient(args.base_url, args.timeout)}
    clients["main"].login(username, password)
    plan = [("main", *page) for page in pages]
    if args.as_rep:
        rep = User.objects.filter(company=company, groups__name="Sales").order_by("username").first()
        if rep is None:
            raise SystemExit("no sales rep in the company")
        rep_customer = Customer.objects.filter(company=company, owner=rep).order_by("pk").values_list(
            "code", flat=True).first() or ""
        clients["rep"] = TimedClient(args.base_url, args.timeout)
        clients["rep"].login(rep.username, password)
        rep_filter = urllib.parse.urlencode({args.customer_param: rep_customer})
        plan.append(("rep", f"order list as {rep.username}", lambda n: list_url, {}))
        plan.append(("rep", "order list as rep, by customer", lambda n: f"{list_url}?{rep_filter}", {}))
        if args.api:
            plan.append(("rep", "API order list as rep", lambda n: api_list_url, {"Accept": "application/json"}))

    times = {label: [] for _c, label, _u, _h in plan}
    failures = {label: {} for _c, label, _u, _h in plan}
    sizes = {}
    for who, label, url, headers in plan:  # warm-up
        status, _ms, size = clients[who].timed(url(args.runs), headers)
        sizes[label] = size
        if status != 200:
            print(f"warning: {url(args.runs)} answered {status} on warm-up", file=sys.stderr)
    for n in range(args.runs):
        for who, label, url, headers in plan:
            status, ms, _size = clients[who].timed(url(n), headers)
            if status == 200:
                times[label].append(ms)
            else:
                failures[label][status] = failures[label].get(status, 0) + 1

    total = SalesOrder.objects.filter(company=company).count()
    print(f"{args.base_url} as {username}, {company.code} with {total:,} orders, {args.runs} runs per page (ms)")
    print(f"{'page':<32} {'ok':>4} {'p50':>8} {'p95':>8} {'max':>8} {'KB':>7}  example / errors")
    for _who, label, url, _headers in plan:
        values = sorted(times[label])
        errors = ", ".join(f"{status}×{n}" for status, n in failures[label].items())
        print(f"{label:<32} {len(values):>4} {percentile(values, 0.50):>8.1f} {percentile(values, 0.95):>8.1f} "
              f"{(values[-1] if values else float('nan')):>8.1f} {sizes[label] / 1024:>7.1f}  {url(0)}"
              + (f"  errors: {errors}" if errors else ""))
    return 1 if any(failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
