"""What the tests' own servers (slapd, the OpenID provider) share: a free loopback port to start
on, and a stop that waits for the process."""

from __future__ import annotations

import socket
import subprocess


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process: subprocess.Popen) -> None:
    """Terminate, then kill if it has not stopped within 10 s; its pipes are closed."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
