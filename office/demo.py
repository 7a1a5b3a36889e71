"""The office's part of the demo company: a few tasks for users and roles (idempotent, keyed by
the title's message key) and an announcement for everyone. The tasks' titles and descriptions are
messages (erp.messages), shown in each reader's language."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_noop

from erp import roles
from erp.messages import in_default_language, message
from erp.models import Company, User
from office.models import Announcement, Task
from office.services import task_assign
from office.services.announcements import announcement_save

# An announcement is a person's text, written in the company's language (zh-Hant for the demo company).
DEMO_ANNOUNCEMENT = ("年終盤點通知",
                     "12 月 31 日全廠盤點，當日暫停出貨與收貨。\n請各部門於 12 月 30 日前完成領料與退料。")

DEMO_TASKS = [
    # (title, assigned role or None for every demo user, description)
    (gettext_noop("Welcome: please change your password"), None,
     gettext_noop("After your first sign-in, change your password from the user menu at the top right.")),
    (gettext_noop("Confirm this week's shipping schedule"), roles.WAREHOUSE,
     gettext_noop("Confirm with sales the shipping dates of this week's customer orders.")),
    (gettext_noop("Review this month's accounts receivable"), roles.FINANCE,
     gettext_noop("Check this month's accounts receivable and remind overdue customers.")),
    (gettext_noop("Arrange training for new staff"), roles.HR,
     gettext_noop("Three new operators start next Monday: arrange their safety and health training.")),
]


def load_office_demo(company: Company, users: dict[str, User]) -> int:
    created = 0
    for key, assignee, description_key in DEMO_TASKS:
        title, description = message(key), message(description_key)
        # A demo loaded before titles were messages has the text in the site's language, no key.
        same = Task.objects.filter(Q(title_message__key=key) | Q(title=in_default_language(title)), company=company)
        if assignee is None:
            for user in users.values():
                if not same.filter(assignee_user=user).exists():
                    task_assign(company=company, title=title, description=description, user=user,
                                actor=users["admin"])
                    created += 1
            continue
        if same.exists():
            continue
        task_assign(company=company, title=title, description=description, role=assignee, actor=users["manager"])
        created += 1
    title, body = DEMO_ANNOUNCEMENT
    if not Announcement.objects.filter(company=company, title=title).exists():
        announcement_save(company=company, actor=users.get("office") or users["admin"], title=title, body=body)
        created += 1
    return created
