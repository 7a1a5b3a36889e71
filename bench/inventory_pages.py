"""Response times of the inventory screens, measured from outside like a browser would (stdlib only).

    .venv/bin/python bench/inventory_pages.py --base-url http://127.0.0.1:8000 \
        --user admin --password demo1234 --runs 50

Logs in through the login form (cookie jar + CSRF token), requests each page once to warm up, then
``--runs`` times in turn, and prints p50/p95/max per page. A page that does not answer 200 is
reported with its status and left out of the figures.
"""

import argparse
import http.cookiejar
import math
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

LOGIN_PATH = "/accounts/login/"

# (label, path): ``{q}`` is replaced by the URL-encoded --query.
PAGES = [
    ("item list", "/inventory/items/"),
    ("item list search", "/inventory/items/?q={q}"),
    ("stock on hand", "/inventory/stock/"),
    ("stock ledger", "/inventory/ledger/"),
    ("low stock", "/inventory/low-stock/"),
]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


class Client:
    def __init__(self, base_url, timeout):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener.addheaders = [("User-Agent", "erp-bench/1"), ("Accept-Language", "zh-hant")]

    def get(self, path):
        """(status, body bytes, final URL); never raises for an HTTP error status."""
        try:
            with self.opener.open(self.base_url + path, timeout=self.timeout) as response:
                return response.status, response.read(), response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.geturl()

    def login(self, username, password):
        status, body, _url = self.get(LOGIN_PATH)
        if status != 200:
            raise SystemExit(f"login page answered {status}")
        match = CSRF_INPUT.search(body.decode("utf-8", "replace"))
        token = match.group(1) if match else next((c.value for c in self.cookies if c.name == "csrftoken"), None)
        if token is None:
            raise SystemExit("no CSRF token on the login page")
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base_url + LOGIN_PATH, data=data,
                                         headers={"Referer": self.base_url + LOGIN_PATH})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                final = response.geturl()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"login failed: HTTP {error.code}") from None
        if LOGIN_PATH in final or not any(c.name == "sessionid" for c in self.cookies):
            raise SystemExit(f"login as {username!r} failed: check the user name and password")


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def measure(client, path):
    started = time.perf_counter()
    status, body, final = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if status == 200 and LOGIN_PATH in final:
        status = "login"  # redirected to the login page: the session was lost
    return status, elapsed, len(body)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="demo1234")
    parser.add_argument("--runs", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--query", default="軸承", help="search term of the item search (default 軸承)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request (default 60)")
    args = parser.parse_args(argv)

    client = Client(args.base_url, args.timeout)
    client.login(args.user, args.password)
    pages = [(label, path.replace("{q}", urllib.parse.quote(args.query))) for label, path in PAGES]
    times = {label: [] for label, _path in pages}
    failures = {label: {} for label, _path in pages}
    sizes = {}
    for label, path in pages:  # warm-up: templates, connections, PostgreSQL caches
        status, _ms, size = measure(client, path)
        sizes[label] = size
        if status != 200:
            print(f"warning: {path} answered {status} on warm-up", file=sys.stderr)
    for _run in range(args.runs):
        for label, path in pages:
            status, ms, _size = measure(client, path)
            if status == 200:
                times[label].append(ms)
            else:
                failures[label][status] = failures[label].get(status, 0) + 1

    print(f"{args.base_url} as {args.user}, {args.runs} runs per page (milliseconds)")
    print(f"{'page':<18} {'ok':>4} {'p50':>8} {'p95':>8} {'max':>8} {'KB':>7}  path / errors")
    for label, path in pages:
        values = sorted(times[label])
        errors = ", ".join(f"{status}×{n}" for status, n in failures[label].items())
        print(f"{label:<18} {len(values):>4} {percentile(values, 0.50):>8.1f} {percentile(values, 0.95):>8.1f} "
              f"{(values[-1] if values else float('nan')):>8.1f} {sizes[label] / 1024:>7.1f}  {path}"
              + (f"  errors: {errors}" if errors else ""))
    return 1 if any(failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
