"""Kernels forked from a warm server (civicstats.forkserver): as fresh as kernels started from nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from civicstats import build as build_module
from civicstats import forkserver

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="kernels are forked on Linux only")

PROBE = """\
import os, sys
print(os.environ["CIVICSTATS_PROBE"], os.getcwd() == os.environ["CIVICSTATS_CWD"])
print(sorted({"alpha", "beta", "gamma", "delta"}) == list(sorted({"alpha", "beta", "gamma", "delta"})), list({"alpha", "beta", "gamma", "delta"}))
print("left_by_a_notebook" in globals())
left_by_a_notebook = 1
print([entry for entry in sys.path if entry in ("", os.getcwd())], sys.path.index("") > 0)
import numpy
print(numpy.random.rand())
"""
#: A chart shown by pyplot: the inline backend is set up in a forked kernel as in a fresh one.
CHART = "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"


def _run(manager: type | None, cwd: Path, probe: str) -> list[str]:
    nb = new_notebook(cells=[new_code_cell(PROBE), new_code_cell(CHART)])
    env = {**build_module._kernel_env(), "CIVICSTATS_PROBE": probe, "CIVICSTATS_CWD": str(cwd)}
    build_module._run_async(build_module._execute_notebook(nb, cwd=cwd, env=env, on_cell=lambda _: None,
                                                           manager=manager))
    shown = [output.output_type for output in nb.cells[1].outputs if "image/png" in output.get("data", {})]
    return [*nb.cells[0].outputs[0]["text"].splitlines(), *shown]


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def test_a_forked_kernel_runs_a_notebook_as_a_fresh_one_does(tmp_path: Path) -> None:
    server = forkserver.ForkServer(tmp_path, build_module._kernel_env())
    try:
        assert server.wait_ready()
        manager = build_module._forked_kernel_manager(server.socket)
        first = _run(manager, tmp_path, "first")
        second = _run(manager, tmp_path, "second")  # same server: nothing of the first notebook is left
        fresh = _run(None, tmp_path, "second")  # a kernel started from nothing, as without the server
    finally:
        server.stop()
    assert first[0] == "first True" and second[0] == "second True"
    assert first[2] == second[2] == "False"
    assert first[5:] == second[5:] == ["display_data"]  # the chart, shown inline
    assert first[3] == second[3] == "[''] True"  # the notebook's folder on the path as for a fresh kernel, no other
    assert first[4] != second[4]  # each kernel its own random generator, not the server's
    # the same output, hash order included (the server runs with the kernels' seed)
    assert second[:4] + second[5:] == fresh[:4] + fresh[5:]
    assert server.process.returncode == 0


def test_a_killed_launcher_takes_its_kernel_with_it(tmp_path: Path) -> None:
    server = forkserver.ForkServer(tmp_path, build_module._kernel_env())
    try:
        assert server.wait_ready()
        connection = tmp_path / "kernel.json"
        launcher = subprocess.Popen([sys.executable, "-m", "civicstats.forkserver", "kernel", server.socket, "--",
                                     "-f", str(connection)], env=build_module._kernel_env())
        deadline = time.monotonic() + 60
        while not _children(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        [kernel] = _children(server.process.pid)
        launcher.send_signal(signal.SIGKILL)  # as jupyter_client shuts a kernel down "immediately"
        launcher.wait()
        while kernel in _children(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kernel not in _children(server.process.pid)
        with pytest.raises(ProcessLookupError):
            os.kill(kernel, 0)
    finally:
        server.stop()
    assert server.process.returncode == 0


def test_kernels_are_not_forked_when_asked_not_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(build_module.NO_FORK_ENV, "1")
    assert build_module._start_fork_server(tmp_path) is None


def test_an_interrupt_sent_to_the_launcher_reaches_the_kernel(tmp_path: Path) -> None:
    # jupyter_client interrupts a kernel (a cell over its time limit) by signalling the process it started
    from jupyter_client import BlockingKernelClient

    server = forkserver.ForkServer(tmp_path, build_module._kernel_env())
    launcher = None
    try:
        assert server.wait_ready()
        connection = tmp_path / "kernel.json"
        launcher = subprocess.Popen([sys.executable, "-m", "civicstats.forkserver", "kernel", server.socket, "--",
                                     "-f", str(connection)], env=build_module._kernel_env())
        client = BlockingKernelClient(connection_file=str(connection))
        deadline = time.monotonic() + 60
        while not connection.is_file() and time.monotonic() < deadline:
            time.sleep(0.05)
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        started = time.monotonic()
        message = client.execute("import time\ntime.sleep(60)")
        time.sleep(1)
        launcher.send_signal(signal.SIGINT)
        reply = client.get_shell_msg(timeout=30)
        assert reply["parent_header"]["msg_id"] == message
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - started < 30
        client.shutdown()
        assert launcher.wait(timeout=30) == 0  # the kernel ended: so does the launcher, with its exit code
        client.stop_channels()
    finally:
        if launcher is not None and launcher.poll() is None:
            launcher.kill()
        server.stop()
