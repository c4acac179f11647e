"""Start the dashboard: ``python -m streamlit run <package>/app/main.py`` as a child process (dashboard.md §1).

The command binds to 127.0.0.1 by default, turns usage statistics, the file watcher and the forced garbage
collection after each rerun off, runs headless and passes our theme as ``--theme.*`` flags, so it applies wherever
the server is launched from (reference: a ``config.toml`` read only when the current directory happened to be the
package folder).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["MAIN_SCRIPT", "THEME", "allowed_hosts", "is_loopback", "serve", "startup_messages", "streamlit_command"]

MAIN_SCRIPT = Path(__file__).resolve().parent / "main.py"
THEME = {
    "primaryColor": "#45ad87",
    "backgroundColor": "#FFFFFF",
    "secondaryBackgroundColor": "#f1ebe6",
    "textColor": "#262730",
    "font": "sans serif",
}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_loopback(host: str) -> bool:
    """True for a loopback address (``127.x.x.x``, ``localhost``, ``::1``)."""
    return host in _LOOPBACK or host.startswith("127.")


def allowed_hosts(host: str) -> list[str]:
    """Host names the server accepts in a request's ``Host`` header (Streamlit's ``server.allowedHosts``).

    The address it was started for and the loopback names; for a wildcard address (``0.0.0.0``, ``::``) also this
    machine's name and addresses. Any other name (a DNS-rebinding page) is refused, so a web page that makes its
    own domain resolve to 127.0.0.1 cannot open the app's websocket.

    >>> allowed_hosts("127.0.0.1")
    ['127.0.0.1', 'localhost', '::1']
    """
    names = [host, "127.0.0.1", "localhost", "::1"]
    if host in ("0.0.0.0", "::", ""):
        names = names[1:] + [socket.gethostname(), socket.getfqdn()]
        try:
            names += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
        except OSError:  # no resolvable host name: loopback names only
            pass
    return list(dict.fromkeys(n for n in names if n))


def streamlit_command(config_path: str | Path, *, host: str = "127.0.0.1", port: int = 8501,
                      python: str | None = None) -> list[str]:
    """Argument list (no shell) that serves the dashboard on ``host:port`` for ``config_path``.

    >>> cmd = streamlit_command("/p/app.yaml", port=8600, python="python")
    >>> cmd[:4], cmd[cmd.index("--server.port") + 1], cmd[-3:]
    (['python', '-m', 'streamlit', 'run'], '8600', ['--', '--config', '/p/app.yaml'])
    """
    cmd = [
        python or sys.executable, "-m", "streamlit", "run", str(MAIN_SCRIPT),
        "--server.address", host,
        "--server.port", str(int(port)),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.headless", "true",
        # Streamlit's gc.collect(2) after every rerun walks the ~200k objects of pandas/plotly/numpy: 0.25-0.35 s
        # holding the GIL on the 2-core test machine, more than a slice change's budget (bench_app_viewer.py).
        # Python's own generational collection still runs.
        "--runner.postScriptGC", "false",
    ]
    for name in allowed_hosts(host):
        cmd += ["--server.allowedHosts", name]
    for key, value in THEME.items():
        cmd += [f"--theme.{key}", value]
    cmd += ["--", "--config", str(Path(config_path).expanduser().resolve())]
    return cmd


def startup_messages(host: str, port: int) -> list[str]:
    """Lines printed when the server starts: a warning for a non-loopback host, then the URL.

    >>> startup_messages("127.0.0.1", 8501)
    ['AUDIT dashboard: http://127.0.0.1:8501']
    """
    lines = []
    if not is_loopback(host):
        lines.append(f"warning: --host {host}: the dashboard will be reachable from the network and can launch a "
                     "viewer process on this machine.")
    shown = f"[{host}]" if ":" in host else host
    lines.append(f"AUDIT dashboard: http://{shown}:{port}")
    return lines


def serve(config_path: str | Path, *, host: str = "127.0.0.1", port: int = 8501,
          echo: Callable[[str], None] = print) -> int:
    """Run the dashboard until it stops or Ctrl-C; return Streamlit's exit code (130 after Ctrl-C).

    The config is expected to have been validated by the caller (``auditapp run-app``). Prints the URL, and a
    warning when ``host`` is not a loopback address (the dashboard then is reachable from the network and can start
    a viewer process on this machine).
    """
    for line in startup_messages(host, port):
        echo(line)
    proc = subprocess.Popen(streamlit_command(config_path, host=host, port=port))  # noqa: S603 - no shell
    try:
        return proc.wait()
    except KeyboardInterrupt:
        try:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 130
