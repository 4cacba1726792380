"""The task manager, on a real Qt event loop with real threads: results and errors come
back on the main thread, pools keep their order, and no exception vanishes."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from app.ui.common.tasks import NETWORK, STORE, TaskManager

WAIT = 10_000  # ms: upper bound for waitUntil, never a fixed sleep


class Boom(Exception):
    pass


def fail() -> int:
    raise Boom("the task broke")


def test_results_come_back_on_the_main_thread(qtbot: Any) -> None:
    tasks = TaskManager()
    main = threading.get_ident()
    ran_on: list[int] = []
    got: list[tuple[int, int]] = []

    def task() -> int:
        ran_on.append(threading.get_ident())
        return 42

    tasks.run_in_background(task, lambda result: got.append((result, threading.get_ident())))
    assert tasks.busy(STORE) and tasks.running() == 1
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=WAIT)
    assert got == [(42, main)]
    assert ran_on and ran_on[0] != main


def test_the_store_pool_keeps_submission_order(qtbot: Any) -> None:
    tasks = TaskManager()
    done: list[int] = []
    for number in range(50):
        tasks.run_in_background(lambda n=number: n, done.append)
    qtbot.waitUntil(lambda: len(done) == 50, timeout=WAIT)
    assert done == list(range(50))


def test_a_slow_network_task_does_not_hold_up_the_store(qtbot: Any) -> None:
    tasks = TaskManager()
    release = threading.Event()
    store_done: list[str] = []
    tasks.run_in_background(lambda: release.wait(WAIT / 1000), pool=NETWORK)
    tasks.run_in_background(lambda: "read", store_done.append)
    qtbot.waitUntil(lambda: store_done == ["read"], timeout=WAIT)
    assert tasks.busy(NETWORK)  # still waiting, in its own pool
    release.set()
    assert tasks.wait(WAIT, NETWORK)
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=WAIT)


def test_an_error_goes_to_on_error_on_the_main_thread(qtbot: Any) -> None:
    tasks = TaskManager()
    failures: list[tuple[Exception, int]] = []
    done: list[object] = []
    tasks.run_in_background(
        fail, done.append, on_error=lambda e: failures.append((e, threading.get_ident()))
    )
    qtbot.waitUntil(lambda: bool(failures), timeout=WAIT)
    error, thread = failures[0]
    assert isinstance(error, Boom) and thread == threading.get_ident()
    assert done == [] and not tasks.busy()


def test_an_unhandled_error_is_logged_and_reported(
    qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    tasks = TaskManager()
    with (
        caplog.at_level(logging.ERROR, logger="app.ui.common.tasks"),
        qtbot.waitSignal(tasks.task_failed, timeout=WAIT) as blocker,
    ):
        tasks.run_in_background(fail, pool=NETWORK)
    pool, error = blocker.args
    assert pool == NETWORK and isinstance(error, Boom)
    record = next(r for r in caplog.records if r.name == "app.ui.common.tasks")
    assert record.exc_info is not None and record.exc_info[1] is error  # with its traceback
    assert not tasks.busy()


def test_an_unhandled_error_reaches_the_window_status_bar(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.tasks.run_in_background(fail)
    qtbot.waitUntil(lambda: "went wrong" in window.statusBar().currentMessage(), timeout=WAIT)
    assert "Boom" in window.statusBar().currentMessage()


def test_an_error_in_a_callback_reaches_the_excepthook(qtbot: Any) -> None:
    tasks = TaskManager()

    def broken(_result: object) -> None:
        raise Boom("the callback broke")

    with qtbot.captureExceptions() as exceptions:
        tasks.run_in_background(lambda: 1, broken)
        qtbot.waitUntil(lambda: bool(exceptions), timeout=WAIT)
    assert isinstance(exceptions[0][1], Boom)


def test_run_on_main_from_a_worker_thread(qtbot: Any) -> None:
    tasks = TaskManager()
    ran_on: list[int] = []
    worker = threading.Thread(
        target=lambda: tasks.run_on_main(lambda: ran_on.append(threading.get_ident()))
    )
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(ran_on), timeout=WAIT)
    assert ran_on == [threading.get_ident()]


def test_wait_blocks_until_the_pool_is_idle(qtbot: Any) -> None:
    tasks = TaskManager()
    started, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def task() -> None:
        started.set()
        release.wait(WAIT / 1000)
        finished.append(True)

    tasks.run_in_background(task)
    assert started.wait(WAIT / 1000)
    assert not tasks.wait(0)  # still running: a zero timeout says so
    release.set()
    assert tasks.wait(WAIT)
    assert finished == [True]
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=WAIT)


def test_an_unknown_pool_is_refused() -> None:
    with pytest.raises(KeyError):
        TaskManager().run_in_background(lambda: None, pool="nowhere")


def test_a_tasks_objects_are_let_go_on_the_main_thread(qtbot: Any) -> None:
    """Whatever a task and its callbacks hold is dropped on the main thread, even when
    nothing else refers to it: a Python-owned QObject destroyed on a worker would wait
    there for the interpreter lock while holding its Qt lock. Before the hand-back, the
    worker dropped the job when it took the next one, and the object died there."""
    from PySide6.QtCore import QObject, Qt

    tasks = TaskManager()
    died_on: list[bool] = []

    def submit_holding_an_object() -> None:
        held = QObject()  # Python-owned, referred to by the task and its callback only
        held.destroyed.connect(
            lambda: died_on.append(threading.current_thread() is threading.main_thread()),
            Qt.ConnectionType.DirectConnection,
        )
        tasks.run_in_background(lambda: held.objectName(), lambda _name: held.parent())

    submit_holding_an_object()
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=WAIT)
    tasks.run_in_background(lambda: None)  # the next job for the same worker
    qtbot.waitUntil(lambda: not tasks.busy() and died_on != [], timeout=WAIT)
    assert died_on == [True]
    qtbot.waitUntil(lambda: tasks._kept == {}, timeout=WAIT)  # nothing held for ever
