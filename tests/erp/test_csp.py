"""The Content-Security-Policy: this site's files only, no inline script, handler or style attribute —
so the templates must have none (the browser tests check the pages themselves in chromium)."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>"),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "style element without nonce": re.compile(r"<style(?![^>]*\bnonce=)[^>]*>"),
    "htmx eval (js: values, trigger filters)": re.compile(r"hx-(vals|vars)=['\"]\s*js:|hx-trigger=\"[^\"]*\["),
}


def test_no_template_has_inline_code_or_style_that_the_policy_would_block():
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]

    assert found == []


def test_every_page_carries_a_self_only_policy(client, make_user):
    client.force_login(make_user("clerk", "Sales"))

    policy = client.get("/")["Content-Security-Policy"]
    docs = client.get("/api/docs/")

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    # Swagger UI's start-up script is a file (?script), its <style> carries the response's nonce
    body = docs.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", docs["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in body
    assert "?script=" in body or "&amp;script=" in body
    assert client.get("/api/docs/?script=").status_code == 200
