"""The concurrency governor's arithmetic, on a clock the test moves (no server, no threads racing)."""

from __future__ import annotations

import threading

from canvasframe._concurrency import SHARED_FOR, ConcurrencyGovernor


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def in_flight(governor: ConcurrencyGovernor, n: int) -> None:
    for _ in range(n):
        governor.__enter__()


def _until(condition, what: str) -> None:
    """Wait for another thread to reach a state (a hang, not a speed, is what the bound is for)."""
    for _ in range(500):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"never {what}")


def test_alone_it_takes_all_the_room_its_answers_report():
    governor = ConcurrencyGovernor(11, clock=Clock())
    in_flight(governor, 4)
    governor.observe(600.0 - 4 * 50)  # the bucket holds exactly its own four charges
    assert (governor.limit, governor.shared) == (11, False)
    governor.observe(600.0 - 4 * 50 - 150)  # three more charges it did not send: another client
    assert governor.shared
    # 250 units free, less the 25-unit margin: room for 4 more. It takes half; the other client reads
    # the same room and takes the other half.
    assert governor.limit == 4 + 2


def test_its_own_cost_does_not_look_like_another_client():
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    for _ in range(20):  # twenty answers of 10 units each, 0.1 s apart: it leaks 1 unit in between
        clock.now += 0.1
        governor.observe(None, cost=10.0)
    left = 20 * 10.0 - 19 * 1.0
    governor.observe(600.0 - left)
    assert not governor.shared
    assert governor.limit == 7  # the 181 units left take room: (600 - 181 - 25) // 50, all of it its own


def test_the_sign_of_another_client_is_forgotten_after_a_while():
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    governor.observe(0.0, throttled=True)  # refused while it had nothing in flight
    assert governor.shared and governor.limit == 5
    governor.observe(600.0)
    assert governor.limit == 5  # half of the eleven that fit
    clock.now += SHARED_FOR  # remembered for exactly this long
    governor.observe(600.0)
    assert not governor.shared and governor.limit == 11


def test_a_refusal_halves_the_limit_until_the_next_answer():
    governor = ConcurrencyGovernor(11, clock=Clock())
    for limit in (5, 2, 1, 1):  # never below one
        governor.observe(None, throttled=True)
        assert governor.limit == limit
    governor.observe(None)  # no rate-limit header: one more at a time
    assert governor.limit == 2
    alone = ConcurrencyGovernor(11, clock=Clock())
    alone.observe(None)
    assert alone.limit == 11  # ... up to the most allowed


def test_a_refused_request_waits_for_an_answer_with_room():
    governor = ConcurrencyGovernor(11, clock=Clock())
    woke = threading.Event()

    def refused_request() -> None:
        governor.wait_for_room(timeout=600)
        woke.set()

    governor.observe(600.0)  # an answer with room came before the refusal: it does not count
    waiter = threading.Thread(target=refused_request, daemon=True)
    waiter.start()
    _until(lambda: governor._cond._waiters, "the refused request waiting")
    governor.observe(10.0)  # an answer without room does not wake it
    assert not woke.wait(0.2)
    governor.observe(300.0)
    waiter.join(timeout=30)
    assert woke.is_set()


def test_a_request_waits_for_the_leak_when_the_bucket_is_nearly_full():
    """Costly answers (a page-view history query) leave the bucket near its mark: the next request is held
    until, as the last answer left it and leaking since, the bucket has room for its pre-flight charge."""
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    governor.observe(600.0)  # a Canvas-sized bucket
    governor.observe(20.0, cost=150.0)  # 20 units of room: a pre-flight charge of 50 would be refused
    entered = threading.Event()

    def send() -> None:
        with governor:
            entered.set()

    sender = threading.Thread(target=send)
    sender.start()
    assert not entered.wait(0.3)  # held: the fake clock has not moved, so nothing has leaked
    clock.now += 3.6  # 36 units leak: 56 units of room, enough for a charge of 50 and the margin
    governor.observe(None)  # any answer wakes the held request, which looks again
    sender.join(5)
    assert entered.is_set()


def test_a_scaled_down_bucket_is_held_only_above_its_mark():
    """A bucket that never showed Canvas's headroom (a scaled test server) is not held for Canvas's charges."""
    governor = ConcurrencyGovernor(11, clock=Clock())
    governor.observe(3.0)
    entered = threading.Event()
    sender = threading.Thread(target=lambda: governor.__enter__() and entered.set())
    sender.start()
    sender.join(5)
    assert entered.is_set()


def test_a_page_of_a_list_goes_before_the_requests_already_waiting_for_a_place():
    governor = ConcurrencyGovernor(1)
    order: list[str] = []

    def request(name: str, urgent: bool) -> None:
        with governor.slot(urgent=urgent):
            order.append(name)

    with governor.slot(urgent=False):  # the one place is taken
        fan_out = threading.Thread(target=request, args=("fan-out item", False))
        fan_out.start()
        page = threading.Thread(target=request, args=("next page", True))
        page.start()
        # the page is waiting (the item waits behind it whenever it comes)
        _until(lambda: governor._urgent_waiting == 1, "the page waiting")
    fan_out.join()
    page.join()
    assert order == ["next page", "fan-out item"]


def _bucket_room(remaining: float, seconds: float) -> float:
    """Canvas's bucket as an answer left it, leaking since: free units, at most the high-water mark."""
    return min(600.0, remaining + 10.0 * seconds)


def test_a_request_is_held_for_exactly_the_units_the_leak_has_not_yet_freed():
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    assert governor._shortfall() == 0.0  # nothing known yet: send
    governor.observe(600.0)  # a Canvas-sized bucket, empty
    governor.observe(30.0)  # a costly answer left 30 units free
    for seconds in (0.0, 1.0, 2.0, 2.5, 4.0):
        clock.now += seconds - (clock.now - 100.0)
        # One more pre-flight charge of 50, and 5 units to spare, against what the leak has freed.
        assert governor._shortfall() == max(0.0, 55.0 - _bucket_room(30.0, seconds))
    governor.__enter__()  # sent now (there is room): its charge is not in the last answer
    assert governor._shortfall() == max(0.0, 105.0 - _bucket_room(30.0, 4.0))


def test_a_small_test_servers_bucket_is_only_kept_below_its_own_mark():
    governor = ConcurrencyGovernor(11, clock=Clock())
    governor.observe(100.0)  # never more than half of Canvas's headroom: not Canvas-sized
    assert governor._shortfall() == 0.0
    governor.observe(-20.0)  # over its mark by 20 units
    assert governor._shortfall() == 20.0


def test_room_and_another_client_at_their_exact_edges():
    governor = ConcurrencyGovernor(11, clock=Clock())
    in_flight(governor, 2)
    governor.observe(600.0 - 2 * 50 - 50)  # exactly one charge more than its own: another client
    assert governor.shared
    alone = ConcurrencyGovernor(11, clock=Clock())
    in_flight(alone, 10)  # ten in flight: a bucket with 75 or 74 units free holds nothing but theirs
    seen = alone._answers_with_room
    alone.observe(75.0)  # (75 - 25) // 50 = 1 more fits: an answer with room
    assert (alone.limit, alone.shared) == (11, False) and alone._answers_with_room == seen + 1
    seen = alone._answers_with_room
    alone.observe(74.0)  # (74 - 25) // 50 = 0: no room, the limit is what is in flight
    assert alone.limit == 10 and alone._answers_with_room == seen


def test_a_held_request_is_sent_anyway_once_the_wait_its_first_shortfall_asked_for_is_over():
    """An answer that shows the bucket still full (another client keeps filling it) does not hold a request
    for ever: it waits what the first shortfall asked for, plus a second, then goes and lets the answer say more."""
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    governor.observe(600.0)  # a Canvas-sized bucket
    governor.observe(-100.0)  # 100 units over its mark: 155 short of a charge and the spare, 15.5 s of leak
    entered = threading.Event()
    sender = threading.Thread(target=lambda: governor.__enter__() and entered.set(), daemon=True)
    sender.start()
    _until(lambda: governor._cond._waiters, "the request held")
    for seconds in (10.0, 16.4):  # before the deadline (15.5 s + 1 s), every answer shows it as full again
        clock.now = 100.0 + seconds
        governor.observe(-100.0)
        assert not entered.wait(0.3)
    clock.now = 100.0 + 16.5
    governor.observe(-100.0)  # the bucket is as full as ever, but the wait is over
    sender.join(5)
    assert entered.is_set()
    assert governor._shortfall() == 50.0 * 2 + 5.0 + 100.0  # its charge counts against the next one


def test_a_request_held_for_the_leak_goes_when_the_leak_has_made_room_without_another_answer():
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    governor.observe(600.0)  # a Canvas-sized bucket
    governor.observe(54.5)  # half a unit short of a charge and the spare: held for 0.05 s of leak
    entered = threading.Event()
    sender = threading.Thread(target=lambda: governor.__enter__() and entered.set(), daemon=True)
    sender.start()
    assert not entered.wait(0.3)  # held: the fake clock has not moved, however long it waits
    clock.now += 0.1  # one unit leaks; no answer comes to say so: the held request looks again by itself
    sender.join(30)
    assert entered.is_set()


def test_requests_sent_since_the_last_answer_all_count_against_the_next():
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    governor.observe(600.0)
    in_flight(governor, 2)  # sent after the answer: their charges are not in it
    assert governor._shortfall() == 0.0
    for _ in range(2):
        governor.__exit__()
    governor.observe(130.0, cost=470.0)  # its own costly answers left the bucket nearly full
    in_flight(governor, 2)  # both fit: 55 and 105 units of the 130
    assert governor._shortfall() == 50.0 * 3 + 5.0 - 130.0


def test_a_bucket_that_has_shown_half_of_canvass_headroom_is_canvas_sized():
    for largest, short in ((300.0, 25.0), (250.0, 0.0)):  # 300 is half of the 600-unit mark: Canvas's
        governor = ConcurrencyGovernor(11, clock=Clock())
        governor.observe(largest)
        governor.observe(30.0)
        assert governor._shortfall() == short, largest


def test_its_own_cost_leaks_away_at_canvass_rate():
    clock = Clock()
    governor = ConcurrencyGovernor(11, clock=clock)
    governor.observe(None, cost=100.0)  # a costly answer of its own
    clock.now += 10.0  # 100 units leak: none of it is left
    governor.observe(600.0 - 50.0)  # so one charge in the bucket is another client's
    assert governor.shared


def test_every_waiting_page_is_counted_and_a_plain_request_is_not_urgent():
    governor = ConcurrencyGovernor(1)
    governor.__enter__()  # the one place is taken
    threads = [threading.Thread(target=lambda: governor.slot(urgent=True).__enter__(), daemon=True) for _ in range(2)]
    threads.append(threading.Thread(target=governor.__enter__, daemon=True))
    for thread in threads:
        thread.start()
    _until(lambda: len(governor._cond._waiters) == 3, "three requests waiting")
    assert governor._urgent_waiting == 2  # two pages; `with governor` is a fan-out request, not urgent


def test_a_request_that_ends_frees_exactly_its_own_place():
    governor = ConcurrencyGovernor(20, clock=Clock())
    in_flight(governor, 3)
    governor.__exit__()
    governor.observe(600.0 - 2 * 50)  # the two still in flight, nobody else: (500 - 25) // 50 = 9 more
    assert (governor.limit, governor.shared) == (2 + 9, False)


def test_waiting_for_room_gives_up_after_its_timeout():
    governor = ConcurrencyGovernor(11, clock=Clock())
    assert governor.wait_for_room(timeout=0.05) is False  # nothing answered: the caller backs off itself


def test_an_answer_without_room_leaves_one_request_in_flight():
    governor = ConcurrencyGovernor(11, clock=Clock())
    governor.observe(30.0)  # (30 - 25) // 50 = 0 more, nothing in flight: one at a time
    assert governor.limit == 1
