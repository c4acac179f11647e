"""``streamlit_command`` / ``serve`` and ``auditapp run-app`` config errors (dashboard.md §1)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from app_fixtures import free_port, make_project
from auditapp.app import launch
from test_cli import _default_sigint


def test_streamlit_command(tmp_path):
    cmd = launch.streamlit_command(tmp_path / "app.yaml", port=8765)
    assert cmd[:5] == [sys.executable, "-m", "streamlit", "run", str(launch.MAIN_SCRIPT)]
    assert Path(cmd[4]).is_file() and cmd[4].endswith("auditapp/app/main.py")
    flags = list(zip(cmd[5:cmd.index("--")][::2], cmd[5:cmd.index("--")][1::2]))
    assert [v for k, v in flags if k == "--server.allowedHosts"] == ["127.0.0.1", "localhost", "::1"]
    pairs = dict(flags)
    del pairs["--server.allowedHosts"]
    assert pairs == {
        "--server.address": "127.0.0.1", "--server.port": "8765", "--browser.gatherUsageStats": "false",
        "--server.fileWatcherType": "none", "--server.headless": "true", "--runner.postScriptGC": "false",
        "--theme.primaryColor": "#45ad87",
        "--theme.backgroundColor": "#FFFFFF", "--theme.secondaryBackgroundColor": "#f1ebe6",
        "--theme.textColor": "#262730", "--theme.font": "sans serif",
    }
    assert cmd[cmd.index("--"):] == ["--", "--config", str((tmp_path / "app.yaml").resolve())]
    assert launch.streamlit_command("x.yaml", host="0.0.0.0")[6] == "0.0.0.0"


def test_is_loopback():
    assert launch.is_loopback("127.0.0.1") and launch.is_loopback("localhost") and launch.is_loopback("::1")
    assert not launch.is_loopback("0.0.0.0") and not launch.is_loopback("192.168.1.5")


SERVE_SCRIPT = """
import sys
from auditapp.app import launch

code = launch.serve(sys.argv[1], port=int(sys.argv[2]), echo=lambda line: print("said:", line, flush=True))
print("code:", code, flush=True)
"""


def wait_healthy(port: int, proc, seconds: float = 40) -> bool:
    """Whether the dashboard on ``port`` answers its health check before ``proc`` ends or ``seconds`` pass."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def test_serve_prints_url_and_returns_130_on_ctrl_c(tmp_path):
    """serve() in a child process (SIGINT restored to default there), Ctrl-C sent to that child only."""
    config = make_project(tmp_path, metrics=False, images=False, metadata=False)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVE_SCRIPT, str(config), str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_default_sigint)
    try:
        healthy = wait_healthy(port, proc)
        proc.send_signal(signal.SIGINT)  # Ctrl-C while serve() waits on Streamlit
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the child and its Streamlit server
            proc.wait()
    lines = out.decode().splitlines()
    said = [line.removeprefix("said: ") for line in lines if line.startswith("said: ")]
    assert healthy, err.decode()
    assert "code: 130" in lines, err.decode()
    assert said == [f"AUDIT dashboard: http://127.0.0.1:{port}"]


def _websocket_status(port: int, host_header: str) -> str:
    """Status line of a websocket upgrade request to the app's stream with the given ``Host`` header."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host_header}\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n").encode())
        return sock.recv(4096).split(b"\r\n", 1)[0].decode()


def test_server_refuses_other_host_headers(tmp_path):
    """DNS rebinding (issue 11 item 6): a page on evil.example resolving to 127.0.0.1 must not get the websocket."""
    config = make_project(tmp_path, metrics=False, images=False, metadata=False)
    port = free_port()
    proc = subprocess.Popen(launch.streamlit_command(config, port=port), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        assert wait_healthy(port, proc)
        assert _websocket_status(port, f"127.0.0.1:{port}").startswith("HTTP/1.1 101")
        assert _websocket_status(port, f"localhost:{port}").startswith("HTTP/1.1 101")
        assert _websocket_status(port, f"evil.example:{port}").startswith("HTTP/1.1 403")
        assert _websocket_status(port, "evil.example").startswith("HTTP/1.1 403")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_allowed_hosts_for_a_wildcard_address_include_this_machine():
    hosts = launch.allowed_hosts("0.0.0.0")
    assert hosts[:3] == ["127.0.0.1", "localhost", "::1"] and socket.gethostname() in hosts
    assert "0.0.0.0" not in hosts
    assert launch.allowed_hosts("192.168.1.5") == ["192.168.1.5", "127.0.0.1", "localhost", "::1"]


def test_startup_messages_warn_for_network_host():
    assert launch.startup_messages("0.0.0.0", 9000) == [
        "warning: --host 0.0.0.0: the dashboard will be reachable from the network and can launch a viewer "
        "process on this machine.",
        "AUDIT dashboard: http://0.0.0.0:9000",
    ]
    assert launch.startup_messages("::1", 8501) == ["AUDIT dashboard: http://[::1]:8501"]


def test_run_app_config_error_exits_1(tmp_path):
    from auditapp.cli import app

    config = tmp_path / "app.yaml"
    config.write_text("labels: {BKG: 0, ET: '3'}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run-app", "--config", str(config)])
    assert result.exit_code == 1
    assert "error:" in result.output and "labels.ET" in result.output
    missing = CliRunner().invoke(app, ["run-app", "--config", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "nope.yaml" in missing.output


def test_run_app_missing_csv_warns_then_serves(tmp_path):
    """`auditapp run-app` as a user runs it: a missing CSV is a warning, the server starts, Ctrl-C stops it (130)."""
    config = make_project(tmp_path, metrics=False, images=False, metadata=False, missing_csv=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "auditapp", "run-app", "--config", str(config), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_default_sigint)
    try:
        assert wait_healthy(port, proc)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the whole process group
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert f"AUDIT dashboard: http://127.0.0.1:{port}" in out.decode()
    assert "extracted_information_Ghost.csv" in err.decode() and "warning" in err.decode().lower()
