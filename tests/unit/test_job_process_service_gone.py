"""A job process binds its life to the service through a pipe (SIGIO when the reader closes).
A service killed in the instant before that binding sends no SIGIO, and the job process lived
on as an orphan running the job (seen once in CI: orphans alive 3.5 s after the kill). The
binding now checks the pipe once it is armed and leaves if the reader is already gone."""

from __future__ import annotations

import multiprocessing
import os

from smartalloc.entrypoints.api.job_process import _die_with_service, service_gone


def test_a_pipe_without_its_reader_says_the_service_is_gone():
    receive, send = multiprocessing.Pipe(duplex=False)
    assert not service_gone(send)
    receive.close()
    assert service_gone(send)
    send.close()


def test_a_job_process_whose_service_died_before_the_binding_leaves_at_once():
    receive, send = multiprocessing.Pipe(duplex=False)
    receive.close()                       # the service is dead before the child binds
    pid = os.fork()
    if pid == 0:                          # the job process
        try:
            _die_with_service(send)
        finally:
            os._exit(0)                   # reached only if the binding did not end it
    _, status = os.waitpid(pid, 0)
    send.close()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1


def test_a_job_process_with_its_service_alive_carries_on():
    receive, send = multiprocessing.Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:
        try:
            _die_with_service(send)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    receive.close()
    send.close()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
