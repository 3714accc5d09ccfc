"""Fresh kernels without paying the imports each time: a server that forks them, already warm.

Every notebook of a build runs in a fresh kernel, and a kernel spends most of
its first second importing what every notebook imports (IPython, the kernel,
pandas, matplotlib and its inline backend, civicstats). On Linux a build
therefore starts this server once (:class:`ForkServer`): a process that
imports those modules, then waits. Each kernel jupyter_client starts is this
module's small launcher (``python -m civicstats.forkserver kernel SOCKET --
ARGS``), which asks the server for a kernel: the server forks, and the child
(a copy of a process that has imported modules and run no notebook code)
becomes the ipykernel that jupyter_client expects, with the launcher's
environment, folder and arguments. The kernel is as fresh as one started
from nothing: no notebook code ran in the server, and each notebook runs in
its own child.

The launcher stands for the kernel towards jupyter_client: it forwards the
signals it receives (an interrupt is SIGINT) and exits with the kernel's
exit code. When the launcher is killed (jupyter_client kills kernels with
SIGKILL, which cannot be forwarded), the server sees its connection close
and kills the kernel. When the server goes (the build ended, or was
killed: the server exits when its standard input closes), the kernels'
parent poller sees it and they exit.

Elsewhere (macOS: forking a process that loaded system frameworks is
unsafe; Windows: no fork) and whenever the server cannot start, kernels are
started as before, each from nothing.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import sys

#: What the server imports before forking: what every kernel of a build imports.
WARM_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    # not matplotlib_inline.backend_inline: importing it sets the inline backend up in the running IPython
    # shell, and the server has none; a kernel imports it, cheaply, when a notebook first uses pyplot
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",
    "IPython.core.pylabtools",
    "pandas",
    "civicstats",
    "civicstats.display",
    "civicstats.charts",
    "civicstats.analysis",
    "civicstats.tables",
    "civicstats.labels",
    "civicstats.format",
    "civicstats.schema",
    "civicstats.personal",
    "civicstats.readers.csv",
    "civicstats.readers.observatory",
    "civicstats.readers.responses",
    "civicstats.analysis.audit",
    "civicstats.analysis.obligation",
    "civicstats.analysis.organisations",
    "civicstats.analysis.rates",
    "civicstats.analysis.selection",
    "civicstats.analysis.waves",
    "civicstats.charts.maps",
    "matplotlib.backends.backend_svg",
)
#: The server's first line on standard output once it listens.
READY = "ready"


def available() -> bool:
    """True where kernels may be forked: Linux (``fork`` is safe there after these imports)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


# --------------------------------------------------------------------------
# The server (``python -m civicstats.forkserver serve SOCKET``)


def serve(path: str, ready_fd: int, preload: bool = False) -> None:
    """Import the warm modules, listen on the Unix socket ``path``, fork a kernel per request.

    Says :data:`READY` on the file descriptor ``ready_fd`` once listening,
    and closes it (the kernels keep the build's standard output and error,
    as kernels started by jupyter_client do). With ``preload``, also
    validates every shipped table first (:func:`_preload`).
    """
    import importlib
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle: it stops the kernels
    for name in WARM_MODULES:
        importlib.import_module(name)
    if preload:
        _preload()
    if threading.active_count() != 1:  # forking a process with threads running could copy a held lock
        raise SystemExit("civicstats.forkserver: threads started while importing; not forking")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    os.write(ready_fd, READY.encode() + b"\n")
    os.close(ready_fd)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "listen")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    children: dict[int, socket.socket] = {}  # kernel pid → its launcher's connection
    connections: dict[socket.socket, int] = {}
    try:
        while True:
            for key, _ in selector.select(timeout=0.05):
                if key.data == "stdin":
                    if not sys.stdin.buffer.read1(4096):  # the build is gone
                        return
                elif key.data == "listen":
                    connection, _ = listener.accept()
                    pid = _fork_kernel(connection, listener, list(connections))
                    if pid is None:
                        connection.close()
                        continue
                    children[pid], connections[connection] = connection, pid
                    selector.register(connection, selectors.EVENT_READ, "launcher")
                else:  # a launcher's connection: closed means the launcher is gone, and so must be its kernel
                    connection = key.fileobj
                    if not connection.recv(4096):
                        selector.unregister(connection)
                        pid = connections.pop(connection)
                        if pid in children:
                            _kill(pid)
            _reap(children, connections, selector)
    finally:
        for pid in list(children):
            _kill(pid)
        listener.close()


def _preload() -> None:
    """Validate every shipped table once, for the kernels of a build on the shipped data.

    ``civicstats.load`` keeps a validated table while its files keep their
    identity (path, inode, size, time), so each forked kernel finds the
    tables validated instead of validating them again. A table that cannot
    be loaded, or whose loading warns, is left out: the kernel loads it
    itself, and shows the warning or the error where a fresh kernel would.
    """
    import warnings

    from civicstats import tables
    from civicstats.errors import DataError

    for name in tables.table_names():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                tables.load(name)
            except (DataError, Warning, OSError, ValueError, KeyError):
                continue


def _fork_kernel(connection: socket.socket, listener: socket.socket, others: list[socket.socket]) -> int | None:
    """Read one request from a launcher and fork its kernel; the kernel's pid, told to the launcher too."""
    connection.settimeout(10)
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
        request = json.loads(data)
    except (OSError, ValueError):
        return None
    connection.settimeout(None)
    pid = os.fork()
    if pid == 0:  # the kernel
        try:
            listener.close()
            connection.close()
            for other in others:
                other.close()
            _become_kernel(request)
        finally:
            os._exit(1)
    try:
        connection.sendall(f"{pid}\n".encode())
    except OSError:
        _kill(pid)
        return None
    return pid


def _become_kernel(request: dict) -> None:
    """In the forked child: take the launcher's environment, folder and arguments, and run ipykernel."""
    os.setsid()  # as jupyter_client starts kernels: out of the terminal's signals
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.environ.clear()
    os.environ.update(request["env"])
    # the path as ``python -m ipykernel_launcher`` has it: not the folder the build started in (the server
    # runs with -P, for that), and '' (the notebook's folder) before site-packages, as IPython adds it
    # (it does not under -P, which the child inherits)
    if "" not in sys.path:
        index = next((i for i, entry in enumerate(sys.path)
                      if os.path.basename(entry) in ("site-packages", "dist-packages")), 0)
        sys.path.insert(index, "")
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # numpy's global generator was seeded when the server imported it: each kernel its own
        numpy.random.seed()
    os.chdir(request["cwd"])
    # the kernel's parent poller exits the kernel when the server, its parent, is gone (the default,
    # read from the environment when ipykernel was imported, is unset in the server)
    argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.argv = ["ipykernel_launcher", *argv]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=argv)
    os._exit(0)


def _reap(children: dict[int, socket.socket], connections: dict, selector: selectors.BaseSelector) -> None:
    """Tell each ended kernel's launcher its exit code."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        try:
            connection.sendall(f"exit {code}\n".encode())
        except OSError:
            pass
        if connection in connections:
            selector.unregister(connection)
            connections.pop(connection)
        connection.close()


def _kill(pid: int) -> None:
    """Kill a kernel and its process group (what its notebook started too, as jupyter_client does)."""
    for kill in (os.killpg, os.kill):  # the group once the kernel made it (setsid), the kernel in any case
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# --------------------------------------------------------------------------
# The launcher (``python -m civicstats.forkserver kernel SOCKET -- ARGS``)


def launch(path: str, argv: list[str]) -> int:
    """Ask the server for a kernel with this process's environment and folder, then stand for it."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(path)
    except OSError as error:
        print(f"civicstats: the build's kernel server is gone ({error.strerror}): no kernel could be started",
              file=sys.stderr)
        return 1
    request = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}
    client.sendall(json.dumps(request).encode() + b"\n")
    reader = client.makefile("rb")
    first = reader.readline()
    if not first.strip().isdigit():
        return 1
    pid = int(first)

    def forward(signum: int, _frame: object) -> None:
        # to the kernel's process group, as jupyter_client signals the group of a kernel it started
        try:
            os.killpg(pid, signum)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    while True:
        try:
            line = reader.readline()
        except InterruptedError:
            continue
        if not line:  # the server is gone: so is the kernel
            return 1
        if line.startswith(b"exit "):
            code = int(line.split()[1])
            return code if code >= 0 else 128 - code


class ForkServer:
    """A running server, for one build: start it, hand :attr:`socket` to the launchers, stop it."""

    def __init__(self, folder: str | os.PathLike[str], env: dict[str, str], *, preload: bool = False) -> None:
        import subprocess

        self.socket = os.path.join(os.fspath(folder), "kernels.sock")
        self._ready, ready = os.pipe()
        try:
            # -P and cwd="/": modules come from the environment's path only, never from the folder the
            # build was started in (a kernel adds its notebook's folder, as a kernel started from nothing)
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", "civicstats.forkserver", "serve", self.socket, str(ready),
                 *(["preload"] if preload else [])],
                stdin=subprocess.PIPE, env=env, pass_fds=(ready,), cwd="/",
            )
        finally:
            os.close(ready)

    def wait_ready(self, timeout: float = 60) -> bool:
        """True once the server listens (it has imported the warm modules); False if it failed to."""
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self._ready, selectors.EVENT_READ)
                if not selector.select(timeout):
                    return False
            return os.read(self._ready, 64).decode().strip() == READY
        finally:
            os.close(self._ready)

    def stop(self) -> None:
        """Close the server's input (it kills any kernel left and exits) and wait for it."""
        import subprocess

        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def main(argv: list[str]) -> int:
    if len(argv) in (3, 4) and argv[0] == "serve" and argv[3:] in ([], ["preload"]):
        serve(argv[1], int(argv[2]), preload=argv[3:] == ["preload"])
        return 0
    if len(argv) >= 3 and argv[0] == "kernel" and argv[2] == "--":
        return launch(argv[1], argv[3:])
    print("usage: python -m civicstats.forkserver serve SOCKET READY-FD [preload] | kernel SOCKET -- KERNEL-ARGS", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
