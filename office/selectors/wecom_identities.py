"""Reads of the WeCom identity table: the admin's list of a company's users with their WeCom user ids,
a mapping within the reader's scope, and the local user a WeCom user id stands for (sign-in, and the
approval cards' button clicks)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from erp.models import Company, User
from erp.permissions import user_company
from erp.scoping import VIEW
from office.models import WeComIdentity

MAPPED = "mapped"
UNMAPPED = "unmapped"


def wecom_users_for_admin(viewer: User, *, mapped: str = "", search: str = "") -> QuerySet[User]:
    """The users of ``viewer``'s company with their WeCom identity (``user.wecom_identity``, read in the
    same query), by user name. ``mapped``: MAPPED or UNMAPPED (anything else: all); ``search``: part of
    the user name, the name, the e-mail or the WeCom user id."""
    company = user_company(viewer)
    if company is None or not viewer.is_active:
        return User.objects.none()
    users = User.objects.filter(company=company).select_related("wecom_identity").order_by("username")
    if mapped == MAPPED:
        users = users.filter(wecom_identity__isnull=False)
    elif mapped == UNMAPPED:
        users = users.filter(wecom_identity__isnull=True)
    if search := search.strip():
        users = users.filter(Q(username__icontains=search) | Q(first_name__icontains=search)
                             | Q(last_name__icontains=search) | Q(email__icontains=search)
                             | Q(wecom_identity__wecom_userid__icontains=search))
    return users


def wecom_identity_get_for_user(viewer: User, pk: int, action: str = VIEW) -> WeComIdentity:
    """The mapping ``pk`` if ``viewer`` may see it (``action``: or change it); DoesNotExist otherwise."""
    return WeComIdentity.objects.restrict(viewer, action).select_related("user").get(pk=pk)


def wecom_identity_for_userid(company: Company, wecom_userid: str) -> WeComIdentity | None:
    """The company's mapping of a WeCom user id, compared without regard to case as WeCom does; its
    user read in the same query. None when the id is not mapped."""
    return (WeComIdentity.objects.filter(company=company).alias(lowered=Lower("wecom_userid"))
            .filter(lowered=wecom_userid.lower()).select_related("user").first())
