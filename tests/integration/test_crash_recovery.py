"""A consumer killed with SIGKILL midway loses nothing and duplicates nothing."""

import threading
import time

import pytest
from stack import port_taken

import samples
from support import eventually, query, submit_concern


def stream_concerns(api, count: int, accepted: list[str], pause: float) -> None:
    for _ in range(count):
        response = submit_concern(api, samples.concern())
        assert response.status_code == 202
        accepted.append(response.json()["concern_id"])
        time.sleep(pause)


def run_kill_test(api, stack, *, count: int, kills: list[str], pause: float) -> None:
    """The stack serves one municipality, so what this run sent is told apart by its concern ids."""
    accepted: list[str] = []
    sender = threading.Thread(target=stream_concerns, args=(api, count, accepted, pause))
    sender.start()
    for victim in kills:
        eventually(lambda: len(accepted) >= count * (kills.index(victim) + 1) // (len(kills) + 1), timeout=120)
        stack[victim].kill()
        eventually(lambda: not port_taken(stack[victim].port), timeout=10, interval=0.1)  # the old one is gone
        stack[victim].start()
        stack.wait_ready(names=[victim], timeout=60)
    sender.join()
    assert len(accepted) == count

    def registered() -> bool:
        rows = query(stack, "registry", "SELECT count(*) AS n FROM registration WHERE concern_id = ANY($1)",
                     accepted)
        return rows[0]["n"] == count

    eventually(registered, timeout=120, interval=1)
    rows = query(stack, "registry", "SELECT concern_id FROM registration WHERE concern_id = ANY($1)", accepted)
    assert sorted(r["concern_id"] for r in rows) == sorted(accepted)
    cases = query(stack, "assessment", "SELECT count(*) AS n FROM case_file WHERE concern_id = ANY($1)", accepted)
    assert cases[0]["n"] == count

    def one_notice_each() -> bool:
        notices = query(stack, "notify", "SELECT concern_id, count(*) AS n FROM notification "
                                         "WHERE concern_id = ANY($1) GROUP BY concern_id", accepted)
        return len(notices) == count and all(r["n"] == 1 for r in notices)

    eventually(one_notice_each, timeout=60, interval=1)


def test_sigkill_of_consumers_midway_loses_and_duplicates_nothing(api, stack):
    run_kill_test(api, stack, count=40, kills=["assessment", "registry"], pause=0.05)


@pytest.mark.slow
def test_soak_with_repeated_kills(api, stack):
    run_kill_test(api, stack, count=600, kills=["registry", "assessment", "notify", "registry"], pause=0.01)
