"""Office's kinds of import, on the core's import engine (``erp.imports``): the WeCom identity mapping.

Each row names a user of the company (their user name, or their e-mail address when no other user of
the company has it) and the WeCom user id they sign in with. A row may give a user a new id or change
theirs; the file may move ids between its users (A's to B and B's to A). An id held by a user the file
does not re-map is an error. The rules are those of ``office.services.wecom_identities`` (one
``mapping_problems`` for the preview and the commit), and the commit writes the whole file through
``wecom_identities_map`` in one transaction. Users and current mappings are read once, so the number
of queries does not grow with the number of rows. ``OfficeConfig.ready()`` registers the kinds;
``office.views_wecom_identities`` gives them their screens.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.imports import CellError, Column, ImportKind, ImportResult, RowChecker, RowResult, Table, parse_text
from erp.models import Company, User
from office.services.wecom_identities import (
    identities_concerned,
    mapping_problems,
    userid_problem,
    wecom_identities_map,
)

IDENTITY_COLUMNS = (
    Column("user", gettext_lazy("User"), True, ("使用者", "使用者名稱", "使用者帳號", "電子郵件", "郵箱"),
           ("用户", "用户名", "邮箱", "企业邮箱", "电子邮件"), ("username", "user name", "login", "e-mail", "email"),
           gettext_lazy("The user's user name, or their e-mail address when no other user of the company has it.")),
    Column("wecom_userid", gettext_lazy("WeCom user ID"), True, ("企業微信帳號", "帳號"),
           ("企业微信账号", "帐号", "账号"), ("userid", "wecom id", "wecom user id"),
           gettext_lazy("The member's account (UserID) in the WeCom address book: 1 to 64 letters, digits and "
                        "_ - @ . (capitals do not matter).")),
)


def parse_wecom_userid(raw: object) -> str:
    text = parse_text(raw, max_length=64, required=True)
    if message := userid_problem(text):
        raise CellError(message)
    return text


def users_named(table: Table, company: Company) -> tuple[dict[str, User], dict[str, list[User]]]:
    """({user name: user}, {lower-case e-mail: users}) of the company's users the file names, in one query."""
    names = {str(raw.get("user") or "").strip() for _number, raw in table.rows} - {""}
    lowered = {name.lower() for name in names}
    users = (User.objects.filter(company=company).alias(lowered_email=Lower("email"))
             .filter(Q(username__in=names) | Q(lowered_email__in=lowered)).order_by("pk"))
    by_name: dict[str, User] = {}
    by_email: dict[str, list[User]] = {}
    for user in users:
        by_name[user.username] = user
        if user.email:
            by_email.setdefault(user.email.lower(), []).append(user)
    return by_name, by_email


def find_user(check: RowChecker, by_name: dict[str, User], by_email: dict[str, list[User]]) -> User | None:
    name = check.take("user", parse_text, max_length=254, required=True)
    if not name:
        return None
    user = by_name.get(name)
    if user is None:
        same_email = by_email.get(name.lower(), [])
        if len(same_email) > 1:
            check.error("user", _("several users of your company have the e-mail “%(email)s”: use the user name.")
                        % {"email": name})
            return None
        user = same_email[0] if same_email else None
    if user is None:
        check.error("user", _("no user “%(name)s” in your company.") % {"name": name})
        return None
    check.show("user", str(user))
    return user


def validate_identities(table: Table, *, company: Company, user: User) -> ImportResult:
    by_name, by_email = users_named(table, company)
    rows: list[RowResult] = []
    checker_of_user: dict[int, RowChecker] = {}
    row_of_id: dict[str, int] = {}
    mapping: dict[User, str] = {}
    for number, raw in table.rows:
        check = RowChecker(table, number, raw)
        person = find_user(check, by_name, by_email)
        wecom_userid = check.take("wecom_userid", parse_wecom_userid)
        if person is not None and person.pk in checker_of_user:
            check.error("user", _("user “%(name)s” already appears in row %(row)s.") % {
                "name": person.username, "row": checker_of_user[person.pk].row.number})
        elif person is not None:
            checker_of_user[person.pk] = check
        if wecom_userid:
            if wecom_userid.lower() in row_of_id:
                check.error("wecom_userid", _("WeCom user ID “%(id)s” already appears in row %(row)s.") % {
                    "id": wecom_userid, "row": row_of_id[wecom_userid.lower()]})
            row_of_id.setdefault(wecom_userid.lower(), number)
        if person is not None and wecom_userid and check.row.ok:
            mapping[person] = wecom_userid
            check.row.values["user_obj"] = person
        rows.append(check.row)

    current = identities_concerned(company, mapping)
    for problem in mapping_problems(company=company, mapping=mapping, actor=user, current=current):
        checker_of_user[problem.user.pk].error(problem.field, problem.message)
    had = {identity.user_id: identity.wecom_userid for identity in current}
    for person, wecom_userid in mapping.items():
        row = checker_of_user[person.pk].row
        if person.pk not in had:
            continue
        if had[person.pk] == wecom_userid:
            row.notes.append(_("Already mapped to this ID: unchanged."))
        else:
            row.notes.append(_("Replaces WeCom user ID “%(id)s”.") % {"id": had[person.pk]})
    return ImportResult(table=table, rows=rows)


def commit_identities(result: ImportResult, *, company: Company, user: User) -> int:
    mapping = {row.values["user_obj"]: row.values["wecom_userid"] for row in result.rows}
    wecom_identities_map(company=company, mapping=mapping, actor=user)
    return len(result.rows)


WECOM_IDENTITIES = ImportKind(
    app_label="office", key="wecom_identities", segment="wecom-identities", label=gettext_lazy("WeCom user IDs"),
    permission="office.change_wecomidentity", columns=IDENTITY_COLUMNS, validator=validate_identities,
    committer=commit_identities, done_message=gettext_lazy("%(count)s WeCom mappings imported."),
)
# In the order the screens offer them.
KINDS = (WECOM_IDENTITIES,)
