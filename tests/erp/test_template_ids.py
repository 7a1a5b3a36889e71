"""Ids written into HTML (URLs, attributes, hidden inputs) must not be localized: with the thousands
separator on, {{ obj.pk }} renders 1,234 and breaks links and forms once a table passes 999 rows."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
BARE_ID = re.compile(r"\{\{ [a-z_][a-z_0-9.]*(\.pk|\.id|_pk) \}\}")


def test_no_template_prints_a_bare_id():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{n}"
        for path in TEMPLATES.rglob("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE_ID.search(line)
    ]
    assert offenders == [], "use {{ x.pk|unlocalize }} (load l10n): " + ", ".join(offenders)
