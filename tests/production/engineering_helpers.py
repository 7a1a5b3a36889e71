"""What the engineering tests (work centers, routings, capacity, item planning) share: the world's
users reading English, logged-in clients for the screens and the API."""

from rest_framework.test import APIClient


def english(prod):
    """The production world with its users reading English (exact messages)."""
    for user in (prod.admin, prod.planner, prod.keeper, prod.outsider):
        user.language = "en"
        user.save(update_fields=["language"])
    return prod


def login(client, user):
    client.force_login(user)
    return client


def api_as(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client
