"""Every string the code marks for translation reaches the zh-Hant and zh-Hans catalogues.

A name xgettext does not know (``_l`` for ``gettext_lazy``, say) silently drops its strings from
``make messages``: the screen then shows English in a Chinese interface. This reads the literal
strings of every translation call in the project's Python code and looks each up in the compiled
catalogues."""

import ast
from pathlib import Path

import pytest
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parents[2]
APPS = ["erp", "office", "inventory", "sales", "purchasing", "production", "finance", "hr"]
# gettext_noop: the message keys of text stored to be translated when shown (erp.messages)
CALLS = {"_", "_l", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy", "ngettext",
         "ngettext_lazy"}


def marked_strings():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALLS):
                    continue
                strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if node.func.id.startswith("pgettext") and len(strings) >= 2:
                    yield path.relative_to(ROOT), f"{strings[0]}\x04{strings[1]}"
                elif strings and not node.func.id.startswith("pgettext"):
                    yield path.relative_to(ROOT), strings[0]


def test_the_scan_finds_lazy_labels():
    found = {msgid for _path, msgid in marked_strings()}
    assert "Delete draft" in found  # sales/views/order_page.py: _l("Delete draft")
    assert "Plan production for %(order)s" in found  # production/receivers.py: a task title's message key
    assert len(found) > 1000


@pytest.mark.parametrize("language", ["zh-hant", "zh-hans"])
def test_every_marked_string_is_in_the_catalogue(language):
    catalogue = trans_real.translation(language)._catalog
    missing = sorted({f"{path}: {msgid!r}" for path, msgid in marked_strings()
                      if msgid not in catalogue and (msgid, 0) not in catalogue})
    assert missing == [], "run `make messages` and translate:\n" + "\n".join(missing[:40])
