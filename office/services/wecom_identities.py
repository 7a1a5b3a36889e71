"""Writes of the WeCom identity table: a company admin maps local users to WeCom user ids (one at a
time on the mapping screen, many at once through the import) and removes a mapping.

The rules, checked by ``mapping_problems`` (the import's preview shows them per row) and enforced by
the services, whose unique constraints are the backstop under concurrency:

- a WeCom user id is 1-64 letters, digits and ``_ - @ .``;
- a user has at most one id, and an id belongs to at most one user of the company, compared without
  regard to case as WeCom does ("ZhangSan" is "zhangsan");
- the user belongs to the company;
- only a superuser maps (or unmaps) a superuser: whoever signs in with the mapped WeCom account becomes
  that user, so a company admin must not be able to hand themselves a superuser's account.

Moving ids between users in one call (A's id to B, B's to A) is allowed: the changed mappings are
removed, then the new ones written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from erp.scoping import CHANGE
from office.models import WeComIdentity
from office.models.wecom import WECOM_USERID_PATTERN

WECOM_USERID_RE = re.compile(WECOM_USERID_PATTERN)
USER = "user"
WECOM_USERID = "wecom_userid"
SUPERUSERS_ONLY = gettext_lazy("Only a superuser may change a superuser's WeCom mapping.")
OUTSIDER = gettext_lazy("You may change the WeCom mappings of your own company only.")
CONFLICT = gettext_lazy("Someone else changed the same WeCom mappings at the same time: nothing was saved. "
                        "Try again.")


@dataclass(frozen=True)
class MappingProblem:
    """Why one user's mapping is refused: the field it concerns (``USER`` or ``WECOM_USERID``) and a
    translated message."""

    user: User
    field: str
    message: str


@dataclass(frozen=True)
class MappingResult:
    created: int  # users who had no id, or whose id changed
    unchanged: int  # users who already had exactly this id


def userid_problem(wecom_userid: str) -> str | None:
    """The message for a text that is not a WeCom user id, or None."""
    if WECOM_USERID_RE.match(wecom_userid):
        return None
    return _("“%(value)s” is not a WeCom user ID: use 1 to 64 letters, digits and _ - @ . only.") % {
        "value": wecom_userid[:80]}


def identities_concerned(company: Company, mapping: Mapping[User, str], *, lock: bool = False) -> list[WeComIdentity]:
    """The company's mappings of the users in ``mapping`` and of the ids it gives (any case); ``lock``:
    locked, in pk order."""
    lowered = {wecom_userid.lower() for wecom_userid in mapping.values()}
    identities = (WeComIdentity.objects.filter(company=company).alias(lowered=Lower("wecom_userid"))
                  .filter(Q(user__in=[user.pk for user in mapping]) | Q(lowered__in=lowered))
                  .select_related("user").order_by("pk"))
    if lock:
        identities = identities.select_for_update(of=("self",))
    return list(identities)


def mapping_problems(*, company: Company, mapping: Mapping[User, str], actor: User | None,
                     current: Iterable[WeComIdentity] | None = None) -> list[MappingProblem]:
    """Every reason to refuse ``mapping`` ({user: WeCom user id}) in ``company``, in the mapping's
    order. ``current``: the mappings ``identities_concerned`` reads (read here when not given)."""
    if current is None:
        current = identities_concerned(company, mapping)
    holder = {identity.wecom_userid.lower(): identity.user for identity in current}
    new_id = {user.pk: wecom_userid.lower() for user, wecom_userid in mapping.items()}
    given_to: dict[str, User] = {}
    problems = []
    for user, wecom_userid in mapping.items():
        if user.company_id != company.pk:
            problems.append(MappingProblem(user, USER, _("%(user)s is not a user of %(company)s.") % {
                "user": user.username, "company": company.name}))
        elif user.is_superuser and not (actor is not None and actor.is_superuser):
            problems.append(MappingProblem(user, USER, str(SUPERUSERS_ONLY)))
        if message := userid_problem(wecom_userid):
            problems.append(MappingProblem(user, WECOM_USERID, message))
            continue
        key = wecom_userid.lower()
        other = holder.get(key)
        if other is not None and other.pk != user.pk and new_id.get(other.pk, key) == key:
            message = _("WeCom user ID “%(id)s” is already mapped to %(user)s.")
            problems.append(MappingProblem(user, WECOM_USERID, message % {"id": wecom_userid, "user": other.username}))
        elif key in given_to:
            message = _("WeCom user ID “%(id)s” is given to %(user)s too.")
            problems.append(MappingProblem(user, WECOM_USERID, message % {"id": wecom_userid,
                                                                          "user": given_to[key].username}))
        given_to.setdefault(key, user)
    return problems


def refuse_outsider(*, company: Company, actor: User | None) -> None:
    if actor is not None and not actor.is_superuser and actor.company_id != company.pk:
        raise DomainError(OUTSIDER)


@atomic_with_retry
def wecom_identities_map(*, company: Company, mapping: Mapping[User, str], actor: User | None) -> MappingResult:
    """Give each user of ``mapping`` its WeCom user id (a new mapping, or a changed one); all or nothing.
    Refuses with a DomainError naming the field (``user`` or ``wecom_userid``) of the first problem."""
    refuse_outsider(company=company, actor=actor)
    mapping = {user: wecom_userid.strip() for user, wecom_userid in mapping.items()}
    try:
        with transaction.atomic():
            # What the verdict depends on, locked; a mapping someone else makes meanwhile meets the
            # unique constraints below.
            current = identities_concerned(company, mapping, lock=True)
            if problems := mapping_problems(company=company, mapping=mapping, actor=actor, current=current):
                raise DomainError(problems[0].message, field=problems[0].field)
            by_user = {identity.user_id: identity for identity in current}
            unchanged = {user.pk for user, wecom_userid in mapping.items()
                         if user.pk in by_user and by_user[user.pk].wecom_userid == wecom_userid}
            mapped_users = {user.pk for user in mapping}
            replaced = [identity.pk for identity in current
                        if identity.user_id in mapped_users and identity.user_id not in unchanged]
            if replaced:
                WeComIdentity.objects.filter(pk__in=replaced).delete()  # auditlog records each deletion
            new = [WeComIdentity(company=company, user=user, wecom_userid=wecom_userid)
                   for user, wecom_userid in mapping.items() if user.pk not in unchanged]
            WeComIdentity.objects.bulk_create(new)
            audit.record_created(new, actor=actor)
    except IntegrityError:
        raise DomainError(CONFLICT, field=WECOM_USERID) from None
    return MappingResult(created=len(new), unchanged=len(unchanged))


@atomic_with_retry
def wecom_identity_remove(*, identity: WeComIdentity, actor: User | None) -> None:
    """Remove a mapping: its user can no longer sign in with WeCom nor receive WeCom messages."""
    if actor is not None and not WeComIdentity.objects.restrict(actor, CHANGE).filter(pk=identity.pk).exists():
        raise DomainError(OUTSIDER)
    if identity.user.is_superuser and not (actor is not None and actor.is_superuser):
        raise DomainError(SUPERUSERS_ONLY)
    WeComIdentity.objects.filter(pk=identity.pk).delete()
