"""Warm runner: runs INSIDE bubblewrap under the sandbox's python (stdlib only, never imported by the server).

`sandbox/isolation.py` runs it as one ``-c`` program after `runner_python.py`, which defines ``python_child``
(how one Python test runs: module name, call-mode return values, assert-mode nonce).

The server starts one runner per worker and talks to it over stdin/stdout with frames
``>II`` (header length, body length) + JSON header + raw body. Ops:

- ``run``  {lang, mode, entry_point, compile_time_s, compile_memory_mb, total_time_s, code_len,
            tests: [{time_s, memory_mb, output_bytes, stdin_len, payload?, nonce?}]}, body = code + all stdins.
            Python is compiled once here; C++ once with g++ in a sandboxed child. Reply: {compile_error} alone,
            or one frame per test run {index, exit_code, signal, timed_out, output_exceeded, time_s, cpu_s, lens}
            (body = stdout + stderr + result channel) and then {done}. Tests stop early at the total time cap
            or when a ``stop`` frame from the server (stop_on_first_failure) is waiting between two tests.

Each test (and each compile) is ONE fork of this warm process: the child becomes pid 1 of a fresh PID namespace,
starts its own session, applies rlimits, sets no_new_privs, drops every capability, then runs the program
(Python: the code object compiled once at load; C++: the binary compiled once, passed as a close-on-exec fd).
bwrap's seccomp filter applies throughout; a second one (sandbox/seccomp.py) is installed once our own setup is
done, and so covers every test. When the child exits, the kernel kills every process left in its PID
namespace (setsid double-forked daemons included). The only writable place is the size-capped /tmp, which is
replaced by a fresh tmpfs after any run that left something in it. The runner kills the child on timeout or
output limit (stdio mode; in call and assert modes stdout is not judged: it is truncated, never a limit).
The runner never sees expected outputs.
"""
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import time

LIBC = ctypes.CDLL(None, use_errno=True)
NS = "--no-ns" not in sys.argv  # unsafe mode: no namespaces, process-group kill only
MAX_PROCS = int(sys.argv[sys.argv.index("--max-procs") + 1]) if "--max-procs" in sys.argv else 16
FILE_MB = int(sys.argv[sys.argv.index("--file-mb") + 1]) if "--file-mb" in sys.argv else 16
# The only writable place: bwrap's size-capped tmpfs /tmp (unsafe mode: a private temporary directory).
TMP = sys.argv[sys.argv.index("--tmp") + 1] if "--tmp" in sys.argv else "/tmp"
TMP_MB = int(sys.argv[sys.argv.index("--tmp-mb") + 1]) if "--tmp-mb" in sys.argv else 64
# The after-setup seccomp filter (sandbox/seccomp.py), stacked on bwrap's once our own setup is done.
AFTER_SETUP_FILTER = bytes.fromhex(sys.argv[sys.argv.index("--seccomp-after-setup") + 1]) \
    if "--seccomp-after-setup" in sys.argv else b""
CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE, MNT_DETACH = 2, 4, 16384, 1 << 18, 2
STDERR_KEEP = 4096
UNJUDGED_KEEP = 4096  # call/assert modes: stdout is not judged, only this much of it is kept (never output_limit)
RESULT_CAP = 16 << 20  # call mode: the serialised return value (as large as an expected value can be)
RUNNER_MEMORY_MB = 4096


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _lock_down(memory_mb: int, time_s: float, nofile: int = 256) -> None:
    """Inside C: rlimits, no_new_privs, drop every capability (the seccomp filter came from bwrap)."""
    cpu = int(time_s) + 1  # soft == hard: the kernel sends SIGKILL, which reaches a pid 1 too
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_MB << 20, FILE_MB << 20))
    resource.setrlimit(resource.RLIMIT_STACK, (min(memory_mb, 1024) << 20,) * 2)
    if NS:
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCS + 4, MAX_PROCS + 4))
        _check(LIBC.prctl(38, 1, 0, 0, 0), "no_new_privs")
        hdr = ctypes.create_string_buffer(struct.pack("Ii", 0x20080522, 0))
        data = ctypes.create_string_buffer(24)
        _check(LIBC.capset(hdr, data), "capset")
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))


def _close_except(keep: set) -> None:
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def _sandboxed(target, stdio, time_s: float, memory_mb: int) -> int:
    """Fork C = target() as pid 1 of a fresh PID namespace; returns its pid (in the runner's namespace).

    When C exits, the kernel kills everything left in its PID namespace. Being pid 1, C ignores signals it
    sends itself unless it handles them; the runner's SIGKILL (timeout) and the CPU hard limit still kill it."""
    if NS:
        _check(LIBC.unshare(CLONE_NEWPID), "unshare(pid)")
    try:
        pid = os.fork()
    except BaseException:
        pid = -1
        raise
    finally:
        if NS and pid != 0:
            _check(LIBC.setns(OWN_PIDNS, CLONE_NEWPID), "setns(pid)")
    if pid:
        return pid
    rc = 70
    try:
        os.chdir(TMP)
        os.setsid()  # own session and process group: kill(0, ...) cannot reach the runner
        for i, fd in enumerate(stdio):
            os.dup2(fd, i)
        _close_except(set(range(len(stdio))))
        _lock_down(memory_mb, time_s)
        rc = target()
    finally:
        os._exit(rc)


def _mount_tmp() -> None:
    opts = f"size={TMP_MB}m,mode=1777".encode()
    _check(LIBC.mount(b"tmpfs", TMP.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts), "mount /tmp")


def _wipe_tmp() -> None:
    """Leave /tmp empty for the next run (every process of the last one is dead by now). Whatever a program
    left there (deep trees, chmod 000 directories, fifos) goes at once: the tmpfs is replaced by a fresh one."""
    with os.scandir(TMP) as it:
        if next(it, None) is None:
            return
    if NS:
        _check(LIBC.umount2(TMP.encode(), MNT_DETACH), "umount /tmp")
        _mount_tmp()
    else:  # unsafe mode: a plain private directory, best effort
        for entry in os.scandir(TMP):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)


def run_one(target, stdin: bytes, time_s: float, memory_mb: int, out_cap: int, extra_fds=(), keep_tmp=False,
            judged: bool = True):
    """Run target() sandboxed with stdin; collect stdout, stderr, and the result channel (fd 3).
    Stdout and stderr past `out_cap` stop the run (output_limit), unless they are not `judged`: then only their
    first bytes are kept and the rest is read and dropped."""
    pipes = [os.pipe() for _ in range(4)]  # stdin, stdout, stderr, result
    child_ends = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], *extra_fds]
    start = time.monotonic()
    pid = _sandboxed(target, child_ends, time_s, memory_mb)
    for fd in child_ends[:4]:  # extra_fds stay the caller's
        os.close(fd)
    stdin_w = pipes[0][1]
    os.set_blocking(stdin_w, False)
    outs = {pipes[1][0]: bytearray(), pipes[2][0]: bytearray(), pipes[3][0]: bytearray()}
    caps = {pipes[1][0]: out_cap, pipes[3][0]: max(out_cap, RESULT_CAP)}
    outs_open = set(outs)
    poller = select.poll()
    pidfd = os.pidfd_open(pid)
    poller.register(pidfd, select.POLLIN)
    for fd in outs:
        poller.register(fd, select.POLLIN)
    if stdin:
        poller.register(stdin_w, select.POLLOUT)
    else:
        os.close(stdin_w)
        stdin_w = -1
    view, timed_out, exceeded, exited, deadline = memoryview(stdin), False, False, False, start + time_s
    err_fd, err_total = pipes[2][0], 0
    while outs_open or not exited:
        remaining = deadline - time.monotonic()
        if remaining <= 0 and not exited:
            timed_out = True
            break
        events = poller.poll(max(1, int(remaining * 1000)) if not exited else 200)
        if not events and exited:
            break  # with namespaces every writer is dead by now; without, don't wait forever
        for fd, _ in events:
            if fd == pidfd:
                exited = True
                poller.unregister(pidfd)
            elif fd == stdin_w:
                try:
                    view = view[os.write(stdin_w, view[:65536]):]
                except BrokenPipeError:
                    view = view[:0]
                except BlockingIOError:
                    pass
                if not view:
                    poller.unregister(stdin_w)
                    os.close(stdin_w)
                    stdin_w = -1
            else:
                chunk = os.read(fd, 65536)
                if not chunk:
                    poller.unregister(fd)
                    outs_open.discard(fd)
                elif fd == err_fd:
                    err_total += len(chunk)
                    outs[fd] += chunk[: max(0, STDERR_KEEP - len(outs[fd]))]
                    exceeded |= judged and err_total > out_cap
                elif fd == pipes[1][0] and not judged:
                    outs[fd] += chunk[: max(0, UNJUDGED_KEEP - len(outs[fd]))]
                else:
                    outs[fd] += chunk
                    exceeded |= len(outs[fd]) > caps[fd]
        if exceeded:
            break
    if not exited:
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    if not NS:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for fd in [pidfd, *outs, *([stdin_w] if stdin_w >= 0 else [])]:
        os.close(fd)
    if not keep_tmp:
        _wipe_tmp()
    stdout, stderr, result = (bytes(outs[pipes[i][0]]) for i in (1, 2, 3))
    header = {"time_s": round(elapsed, 6), "timed_out": timed_out, "output_exceeded": exceeded,
              "exit_code": None, "signal": None, "cpu_s": usage.ru_utime + usage.ru_stime,
              "maxrss_kb": usage.ru_maxrss, "lens": [len(stdout), len(stderr), len(result)]}
    if os.WIFEXITED(status):
        header["exit_code"] = os.WEXITSTATUS(status)
    elif os.WIFSIGNALED(status):
        header["signal"] = os.WTERMSIG(status)
    return header, stdout + stderr + result


# ------------------------------------------------------------------------------------- main loop
def _read_exact(n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(IN_FD, n - len(buf))
        if not chunk:
            sys.exit(0)
        buf += chunk
    return bytes(buf)


def _send(header: dict, body: bytes = b"") -> None:
    head = json.dumps(header).encode()
    data = struct.pack(">II", len(head), len(body)) + head + body
    view = memoryview(data)
    while view:
        view = view[os.write(OUT_FD, view):]


def _exec(path, argv: list, env: dict) -> int:
    """execve a path, or (int) a descriptor whose close-on-exec flag is restored first."""
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):  # ignored by Python; give the program the defaults
        signal.signal(sig, signal.SIG_DFL)
    if isinstance(path, int):
        os.set_inheritable(path, False)
    os.execve(path, argv, env)
    return 127


class Program:
    def __init__(self, header: dict, source: bytes):
        self.lang, self.mode, self.entry = header["lang"], header["mode"], header.get("entry_point") or ""
        self.code, self.exe_fd = None, -1
        if self.lang == "python":
            self.code = compile(source, "main.py", "exec", dont_inherit=True)
            return
        with open(f"{TMP}/main.cpp", "wb") as f:
            f.write(source)
        cmd = ["/usr/bin/g++", "-pipe", "-O2", "-std=c++17", "-o", f"{TMP}/prog", f"{TMP}/main.cpp"]
        env = {"PATH": "/usr/bin:/bin"}  # collect2 looks for ld on PATH
        head, body = run_one(lambda: _exec(cmd[0], cmd, env), b"", header["compile_time_s"],
                             header["compile_memory_mb"], 1 << 20, keep_tmp=True)
        n_out, n_err = head["lens"][:2]
        try:
            if head["exit_code"] != 0:
                why = "compiler timed out" if head["timed_out"] else \
                    f"compiler failed (exit {head['exit_code']}, signal {head['signal']})"
                raise CompileError((body[n_out:n_out + n_err] + body[:n_out]).decode("utf-8", "replace") or why)
            # Programs get the binary only as a close-on-exec descriptor: no path, nothing to overwrite.
            self.exe_fd = os.open(f"{TMP}/prog", os.O_RDONLY | os.O_CLOEXEC)
        finally:
            _wipe_tmp()

    def target(self, payload):
        if self.lang == "python":
            return lambda: python_child(self.code, self.mode, self.entry, payload, 3, 4)
        return lambda: _exec(4, ["prog"], {})

    def close(self) -> None:
        if self.exe_fd >= 0:
            os.close(self.exe_fd)
            self.exe_fd = -1


class CompileError(Exception):
    pass


def _read_frame() -> tuple:
    hlen, blen = struct.unpack(">II", _read_exact(8))
    return json.loads(_read_exact(hlen)), (_read_exact(blen) if blen else b"")


def _stop_requested() -> bool:
    """Between tests: has the server sent "stop" (stop_on_first_failure)? Non-blocking."""
    if not select.select([IN_FD], [], [], 0)[0]:
        return False
    return _read_frame()[0].get("op") == "stop"


def _run_program(header: dict, body: bytes) -> None:
    """One request: compile once, run the tests in order streaming one frame per test, then "done"."""
    code_len = header["code_len"]
    try:
        program = Program(header, body[:code_len])
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError, CompileError) as e:
        import traceback
        msg = str(e) if isinstance(e, CompileError) else "".join(traceback.format_exception_only(e))
        _send({"compile_error": msg})
        return
    deadline = time.monotonic() + header["total_time_s"]
    offset = code_len
    try:
        for i, test in enumerate(header.pop("tests")):
            stdin = body[offset:offset + test["stdin_len"]]
            offset += test["stdin_len"]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or _stop_requested():
                break
            nonce_r = -1
            if "nonce" in test:  # assert mode: the nonce waits in a pipe, read only after the assertion
                nonce_r, nonce_w = os.pipe()
                os.write(nonce_w, test.pop("nonce").encode())
                os.close(nonce_w)
            extra = tuple(fd for fd in (program.exe_fd, nonce_r) if fd >= 0)  # fd 4 of the program
            try:
                h, b = run_one(program.target(test.get("payload")), stdin, min(test["time_s"], remaining),
                               test["memory_mb"], test["output_bytes"], extra_fds=extra,
                               judged=program.mode == "stdio")
            finally:
                if nonce_r >= 0:
                    os.close(nonce_r)
            h["index"] = i
            _send(h, b)
    finally:
        program.close()
    _send({"done": True})


def main() -> None:
    # A pathological program must not let the parser eat the machine: cap the runner's own address space
    # (soft limit only, so each child can still set its own limit).
    resource.setrlimit(resource.RLIMIT_AS, (RUNNER_MEMORY_MB << 20, resource.RLIM_INFINITY))
    os.chdir("/")
    os.environ.clear()  # bwrap starts us with an empty environment; drop what the interpreter added (LC_CTYPE)
    if NS:
        _check(LIBC.prctl(36, 1, 0, 0, 0), "subreaper")
        # our own mount namespace, so we may replace /tmp's tmpfs (the programs share it, one at a time)
        _check(LIBC.unshare(CLONE_NEWNS), "unshare(mnt)")
        _check(LIBC.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount private")
        _mount_tmp()
        if AFTER_SETUP_FILTER:  # prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sock_fprog), after no_new_privs
            _check(LIBC.prctl(38, 1, 0, 0, 0), "no_new_privs")
            prog = ctypes.create_string_buffer(AFTER_SETUP_FILTER, len(AFTER_SETUP_FILTER))
            fprog = struct.pack("@HP", len(AFTER_SETUP_FILTER) // 8, ctypes.addressof(prog))
            _check(LIBC.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0), "seccomp")
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    _send({"ready": True, "python": sys.version.split()[0], "isolated": NS})
    while True:
        header, body = _read_frame()
        if header["op"] == "run":
            _run_program(header, body)
        # anything else is a late "stop" for a program that already finished: ignore it


def _enter_base_pidns() -> None:
    """Become pid 1 of a PID namespace owned by our own user namespace, so setns() back to it works."""
    _check(LIBC.unshare(CLONE_NEWPID), "unshare(base pid)")
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


if __name__ == "__main__":
    if NS:
        _check(LIBC.prctl(4, 0, 0, 0, 0), "dumpable")  # programs (forked from us) cannot be ptraced or read
        _enter_base_pidns()
    IN_FD, OUT_FD = os.dup(0), os.dup(1)
    OWN_PIDNS = os.open("/proc/self/ns/pid", os.O_RDONLY) if NS else -1
    main()
