#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and drives it with expect/send steps.

Only the Python standard library (pty, select, termios), so nothing native is built.

    python3 pty_driver.py SPEC_JSON

SPEC_JSON is an object:
  argv        the command and its arguments (required)
  cwd, env    working directory; extra environment (null deletes a variable)
  cols, rows  terminal size (default 120 x 40)
  timeout     seconds before the command is killed (default 60)
  steps       steps run first, in order (optional)
  interactive when true, further steps are read from stdin, one JSON object per line,
              after the ones in `steps` (stdin closing ends nothing: the command runs on)

A step is one of:
  {"expect": REGEX, "flags": "ims", "timeout": SECONDS}
      waits until REGEX matches the output not yet consumed by an earlier expect (ANSI
      escapes and carriage returns removed); the output up to the end of the match is
      then consumed. Python `re` syntax (the subset JavaScript shares is safe).
  {"send": TEXT}        writes TEXT to the terminal (use "\r" for Enter)
  {"sendline": TEXT}    writes TEXT and Enter
  {"sleep": SECONDS}
  {"signal": NAME}      sends a signal (e.g. "SIGINT") to the command's process group
  {"wait": SECONDS}     waits for the command to exit
Every step may carry an "id", echoed back in its result.

Events are written on stdout as JSON lines:
  {"type": "output", "data": TEXT}                      raw terminal output as it comes
  {"type": "step", "id", "ok": true, "match": [GROUPS], "before": TEXT}
  {"type": "step", "id", "ok": false, "error": WHY, "pending": TEXT}
  {"type": "exit", "code": N|null, "signal": NAME|null, "transcript": CLEAN TEXT}
The exit event comes as soon as the terminal closes. A failed step is reported and the
driver goes on with the next one (the caller decides);
in script mode (not interactive) a failed step kills the command.
"""

import codecs
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, links
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS and friends
    r"|\x1b[()*+][0-9A-Za-z]"  # character sets
    r"|\x1b[@-Z\\-_=>78]"  # two-character escapes
)


def clean(text):
    return ANSI.sub("", text).replace("\r", "")


def split_complete(text):
    """(text up to an escape sequence cut off at the end, the cut-off rest)."""
    start = text.rfind("\x1b")
    if start < 0 or ANSI.match(text, start) or len(text) - start > 64:
        return text, ""
    return text[:start], text[start:]


def emit(event):
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main():
    spec = json.loads(sys.argv[1])
    argv = spec["argv"]
    env = dict(os.environ)
    for key, value in (spec.get("env") or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    cols, rows = int(spec.get("cols", 120)), int(spec.get("rows", 40))
    deadline = time.monotonic() + float(spec.get("timeout", 60))
    interactive = bool(spec.get("interactive"))
    steps = list(spec.get("steps") or [])

    pid, master = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        try:
            if spec.get("cwd"):
                os.chdir(spec["cwd"])
            os.execvpe(argv[0], argv, env)
        except Exception as error:  # noqa: BLE001 - report anything, then leave
            os.write(2, f"pty_driver: cannot run {argv[0]}: {error}\n".encode())
        os._exit(127)

    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def kill_child(sig=signal.SIGKILL):
        for target in (lambda: os.killpg(pid, sig), lambda: os.kill(pid, sig)):
            try:
                target()
                return
            except OSError:
                pass

    # Ended by the test (or its cleanup): take the command with us.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: (kill_child(), os._exit(143)))

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    raw = []  # everything the terminal showed
    pending = ""  # clean text not yet consumed by an expect
    carry = ""  # the start of an escape sequence whose end has not been read yet
    stdin_buf = b""
    stdin_open = interactive
    master_open = True
    status = None  # (code, signal) once the child has exited
    step = None
    step_deadline = None

    def reap(block=False):
        nonlocal status
        if status is not None:
            return
        try:
            done, wait_status = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            status = (None, None)
            return
        if done == pid:
            if os.WIFSIGNALED(wait_status):
                status = (None, signal.Signals(os.WTERMSIG(wait_status)).name)
            else:
                status = (os.WEXITSTATUS(wait_status), None)

    def finish(ok, **fields):
        nonlocal step, step_deadline
        emit({"type": "step", "id": step.get("id"), "ok": ok, **fields})
        failed = not ok
        step, step_deadline = None, None
        if failed and not interactive:
            kill_child()

    exit_reported = False

    def report_exit():
        nonlocal exit_reported
        if not exit_reported:
            exit_reported = True
            reap(block=True)
            emit({"type": "exit", "code": status[0], "signal": status[1], "transcript": clean("".join(raw))})

    while True:
        # Take the next step when idle.
        if step is None and steps:
            step = steps.pop(0)
            timeout = step.get("timeout", step.get("sleep", step.get("wait", 10)))
            step_deadline = time.monotonic() + float(timeout)

        if step is not None:
            if "send" in step or "sendline" in step:
                data = step["send"] if "send" in step else step["sendline"] + "\r"
                if master_open:
                    os.write(master, data.encode())
                    finish(True)
                else:
                    finish(False, error="exited", pending=pending)
                continue
            if "signal" in step:
                kill_child(getattr(signal, step["signal"]))
                finish(True)
                continue
            if "expect" in step:
                flags = 0
                for letter in step.get("flags", ""):
                    flags |= {"i": re.I, "m": re.M, "s": re.S}.get(letter, 0)
                match = re.search(step["expect"], pending, flags)
                if match:
                    before = pending[: match.start()]
                    pending = pending[match.end():]
                    finish(True, match=[match.group(0), *match.groups()], before=before)
                    continue
                if not master_open:
                    finish(False, error="exited", pending=pending)
                    continue
            if "wait" in step and not master_open:
                reap(block=True)
                finish(True, code=status[0], signal=status[1])
                continue
            if time.monotonic() >= step_deadline:
                if "sleep" in step:
                    finish(True)
                else:
                    finish(False, error="timeout", pending=pending)
                continue

        if not master_open:
            report_exit()
            if step is None and not steps and not stdin_open:
                break

        now = time.monotonic()
        if now >= deadline:
            if master_open:
                kill_child()
                emit({"type": "step", "id": None, "ok": False, "error": "driver timeout", "pending": pending})
                deadline = now + 5  # the exit is still reported once the terminal closes
            else:
                break
        wait = min(0.1, max(0.0, deadline - now))
        if step_deadline is not None:
            wait = min(wait, max(0.0, step_deadline - now))
        watched = ([master] if master_open else []) + ([0] if stdin_open else [])
        readable = select.select(watched, [], [], wait)[0] if watched else []
        if not watched:
            time.sleep(wait)

        if master in readable:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every copy of the terminal's other end is closed
                chunk = b""
            text = decoder.decode(chunk, final=not chunk)
            if text:
                raw.append(text)
                emit({"type": "output", "data": text})
            # An escape sequence split between two reads is cleaned once it is whole.
            complete, carry = split_complete(carry + text) if chunk else (carry + text, "")
            pending += clean(complete)
            if not chunk:
                master_open = False

        if 0 in readable:
            data = os.read(0, 65536)
            if not data:
                stdin_open = False
            stdin_buf += data
            while b"\n" in stdin_buf:
                line, stdin_buf = stdin_buf.split(b"\n", 1)
                if line.strip():
                    steps.append(json.loads(line))

    report_exit()
    try:
        os.close(master)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
