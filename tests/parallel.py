"""Race tests' one helper: run ``target(i)`` for i in range(count) on real threads that start
together (a barrier), each with its own database connection, closed afterwards."""

import threading

from django.db import connection


def run_parallel(count, target, *, refused=()):
    """(outcomes, errors): ``outcomes[i]`` what ``target(i)`` returned, or "refused" when it raised
    one of ``refused`` (exception classes); ``errors`` the repr of anything else raised."""
    barrier = threading.Barrier(count)
    outcomes, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = target(index)
        except tuple(refused):
            outcomes[index] = "refused"
        except Exception as exc:  # pragma: no cover - reported by the caller's assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, errors
