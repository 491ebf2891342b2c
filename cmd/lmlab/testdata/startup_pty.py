"""Times the workbench's start-up in a bare pseudo-terminal: the real binary,
no terminal emulator in between (tmux adds ~30 ms of its own).

usage, from the repository root (needs ../shared's tiny shakespeare):

    go build -o /tmp/lmlab ./cmd/lmlab
    python3 cmd/lmlab/testdata/startup_pty.py /tmp/lmlab [ROUNDS]

Each round starts `lmlab --data ../shared/data/tinyshakespeare.txt --preset
baby --runs none` in a 200x60 pty with NO_COLOR and reads what it writes,
printing milliseconds from the fork to: the first byte, the first full frame
(the Dataset pane's title is drawn) and every pane filled (the Sample pane's
first sample, "step 0, seed"). The speed issue's targets are 150 ms and 300 ms.
The binary is killed after each round (or after 5 s).
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def round_once(binary):
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        # The child: its stdin is the pty; size it before the program asks.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 200, 0, 0))
        os.environ["NO_COLOR"] = "1"
        os.environ["TERM"] = "xterm-256color"
        os.execv(binary, [binary, "--data", "../shared/data/tinyshakespeare.txt",
                          "--preset", "baby", "--runs", "none"])
    marks, buf = {}, b""
    while time.monotonic() - t0 < 5 and "all" not in marks:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        now = (time.monotonic() - t0) * 1000
        buf += data
        marks.setdefault("first byte", now)
        if b"Dataset" in buf:
            marks.setdefault("frame", now)
        if b"step 0, seed" in buf:
            marks.setdefault("all", now)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return marks


def main():
    binary = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for r in range(rounds):
        marks = round_once(binary)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v:.0f} ms" for k, v in marks.items()))


if __name__ == "__main__":
    main()
