"""The seccomp filters, behaviourally: adversarial programs try every denied call through the real server.

A denied call must fail with ENOSYS, the filters' own errno. The kernel alone would answer these calls from an
unprivileged, capability-less program with EPERM, EACCES or ENOSPC, or let them succeed (PTRACE_TRACEME,
attaching to a dumpable child, keyctl, perf_event_open on itself, unshare(0)), so each test here fails when the
rule it probes is removed from `sandbox/seccomp.py`. Foreign syscall ABIs (i386 `int 0x80`, x32) must be killed
with SIGSYS; without that rule they would run. (Kernels built without modules or kexec, like this one, answer
those calls with ENOSYS themselves: there, removing those rules cannot be seen.)
"""
from __future__ import annotations

import platform

import pytest
from sandbox_testlib import py

from sandbox import seccomp

pytestmark = pytest.mark.usefixtures("no_leftovers")
SIGSYS = 31
X86_64 = platform.machine() == "x86_64"

PROBES = r'''
import ctypes, mmap, os, struct, sys, time
NR = __NR__
DENIED = __DENIED__
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SIGCHLD, CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 17, 0x20000, 0x10000000, 0x20000000, 0x40000000


def call(name, *args):
    ctypes.set_errno(0)
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    return libc.syscall(ctypes.c_long(NR[name] if isinstance(name, str) else name), *args), ctypes.get_errno()


def outcome(result):
    ret, err = result
    return "denied" if ret == -1 and err == 38 else f"ret={ret} errno={err}"


def in_child(fn):
    """fn() in a forked child (so a call that succeeds cannot disturb this process); its printed outcome."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            out = fn()
        except BaseException as e:
            out = f"raised {e!r}"
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    out = os.read(r, 4096).decode()
    os.waitpid(pid, 0)
    return out


def sleeper():
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    return pid


def clone_outcome(name, *args):
    ret, err = call(name, *args)
    if ret == 0:  # the clone succeeded and this is the child
        os._exit(0)
    if ret > 0:
        os.waitpid(ret, 0)
    return outcome((ret, err))


def ptrace_other():
    child = sleeper()
    try:
        outs = {outcome(call("ptrace", req, child, 0, 0)) for req in (0x4206, 16)}  # SEIZE, ATTACH
        return " ".join(sorted(outs))
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)


def process_vm_readv():
    child = sleeper()
    local, remote = ctypes.create_string_buffer(8), ctypes.create_string_buffer(b"secret!")
    liov = struct.pack("@PN", ctypes.addressof(local), 8)
    riov = struct.pack("@PN", ctypes.addressof(remote), 8)  # the same address in the forked child
    try:
        return outcome(call("process_vm_readv", child, liov, 1, riov, 1, 0))
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)


def bpf():
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("IIII", attr, 0, 1, 4, 4, 1)  # BPF_MAP_TYPE_HASH, key 4, value 4, 1 entry
    return outcome(call("bpf", 0, attr, 128))  # BPF_MAP_CREATE


def perf_event_open():
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("IIQ", attr, 0, 1, 128, 0)  # PERF_TYPE_SOFTWARE, size, PERF_COUNT_SW_CPU_CLOCK
    struct.pack_into("Q", attr, 40, (1 << 5) | (1 << 6))  # exclude_kernel, exclude_hv: allowed at paranoid 2
    return outcome(call("perf_event_open", attr, 0, -1, -1, 0))  # this process, any CPU


def int80():
    """An i386 getpid through int 0x80 from machine code: killed, or it returns this pid."""
    code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    code.write(b"\xb8\x14\x00\x00\x00\xcd\x80\xc3")  # mov eax, 20; int 0x80; ret
    fn = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(code)))
    return f"ret={fn()}"


def runner_args():
    """The calls the after-setup filter lets through, with the runner's own arguments: the kernel refuses them
    (EPERM: programs hold no capabilities)."""
    pidns = os.open("/proc/self/ns/pid", os.O_RDONLY)
    outs = [in_child(lambda: f"{call('unshare', CLONE_NEWPID)}"), f"{call('setns', pidns, CLONE_NEWPID)}",
            f"{call('mount', b'tmpfs', b'/tmp', b'tmpfs', 6, b'size=1m')}", f"{call('umount2', b'/tmp', 2)}"]
    return "kernel EPERM" if set(outs) == {"(-1, 1)"} else " ".join(outs)


def every_denied():
    """Each denied call with zero arguments: ENOSYS comes before any argument check."""
    return " ".join(name for name in DENIED if in_child(lambda: outcome(call(name, 0, 0, 0, 0, 0, 0))) != "denied")


PROBES = {
    "ptrace_traceme": lambda: in_child(lambda: outcome(call("ptrace", 0, 0, 0, 0))),
    "ptrace_other": ptrace_other,
    "process_vm_readv": process_vm_readv,
    "bpf": bpf,
    "perf_event_open": perf_event_open,
    "keyctl": lambda: outcome(call("keyctl", 0, -3, 1)),  # KEYCTL_GET_KEYRING_ID of the session keyring, create
    "add_key": lambda: outcome(call("add_key", b"user", b"rlvr-probe", b"secret", 6, -2)),
    "request_key": lambda: outcome(call("request_key", b"user", b"rlvr-probe", None, -2)),
    "clone_newuser": lambda: clone_outcome("clone", CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
    "clone_newns": lambda: clone_outcome("clone", CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0),
    "clone_newnet": lambda: clone_outcome("clone", CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0),
    "clone_newpid": lambda: clone_outcome("clone", CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0),
    "clone3_newuser": lambda: clone_outcome("clone3", struct.pack("=11Q", CLONE_NEWUSER, 0, 0, 0, SIGCHLD,
                                                                  *[0] * 6), 88),
    "unshare_newuser": lambda: in_child(lambda: outcome(call("unshare", CLONE_NEWUSER))),
    "unshare_newns": lambda: in_child(lambda: outcome(call("unshare", CLONE_NEWNS))),
    "unshare_none": lambda: in_child(lambda: outcome(call("unshare", 0))),
    "setns": lambda: outcome(call("setns", os.open("/proc/self/ns/net", os.O_RDONLY), 0)),
    "mount": lambda: outcome(call("mount", b"tmpfs", b"/tmp", b"tmpfs", 0, None)),
    "umount2": lambda: outcome(call("umount2", b"/tmp", 0)),
    "unshare_high_bits": lambda: in_child(lambda: outcome(call("unshare", CLONE_NEWPID | 1 << 32))),
    "runner_args": runner_args,
    "fsopen": lambda: outcome(call("fsopen", b"tmpfs", 0)),
    "chroot": lambda: outcome(call("chroot", b"/")),
    "pivot_root": lambda: outcome(call("pivot_root", b"/", b"/")),
    "every_denied": every_denied,
    "int80": int80,
    "x32": lambda: outcome(call(0x40000000 | 39)),  # x32 getpid (x86_64 only)
}
print(PROBES[sys.stdin.read().strip()]())
'''
# The policy, written out here (not read from sandbox.seccomp, so that dropping a rule there fails a test).
POLICY = ["ptrace", "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load", "bpf", "perf_event_open",
          "userfaultfd", "add_key", "request_key", "keyctl", "open_by_handle_at", "init_module", "finit_module",
          "delete_module", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
          "mount_setattr", "clone3", "mount", "umount2", "unshare", "setns", "chroot"]
ERRNO_PROBES = ["ptrace_traceme", "ptrace_other", "process_vm_readv", "bpf", "perf_event_open", "keyctl", "add_key",
                "request_key", "clone_newuser", "clone_newns", "clone_newnet", "clone_newpid", "clone3_newuser",
                "unshare_newuser", "unshare_newns", "unshare_none", "unshare_high_bits", "setns", "mount", "umount2",
                "fsopen", "chroot", "pivot_root"]
KILL_PROBES = ["int80", "x32"] if X86_64 else []
CPP_PROBES = r'''
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
int main() {
    std::string what;
    std::cin >> what;
    if (what == "ptrace_other") {  // an exec'd program is dumpable: without the filter this attach succeeds
        pid_t child = fork();
        if (child == 0) { pause(); _exit(0); }
        long r = ptrace(PTRACE_ATTACH, child, nullptr, nullptr);
        int e = errno;
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        if (r == -1 && e == ENOSYS) std::puts("denied"); else std::printf("ret=%ld errno=%d\n", r, e);
    } else if (what == "int80") {
        long r;
        asm volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");  // i386 getpid
        std::printf("ret=%ld\n", r);
    }
}
'''


@pytest.fixture(scope="module")
def probes(client) -> dict[str, dict]:
    """Every probe, one test each of one request (one parse, a fork per probe); results by probe name."""
    code = PROBES.replace("__NR__", repr(seccomp.syscall_numbers())).replace("__DENIED__", repr(POLICY))
    names = ERRNO_PROBES + ["every_denied", "runner_args"] + KILL_PROBES
    expected = {"every_denied": "", "runner_args": "kernel EPERM"}
    tests = [{"input": n, "output": expected.get(n, "denied")} for n in names]
    res = client.run(py(code, tests, limits={"time_s": 5}))
    assert res["status"] == "ok", res
    return dict(zip(names, res["tests"]))


@pytest.mark.parametrize("name", ERRNO_PROBES)
def test_denied_call_fails_with_enosys(probes, name):
    t = probes[name]
    assert t["status"] == "passed", f"{name}: {t['stdout']!r} {t['stderr'][-300:]!r}"


def test_every_denied_call_in_the_filters_fails_with_enosys(probes):
    t = probes["every_denied"]
    assert t["status"] == "passed", f"not denied: {t['stdout']!r} {t['stderr'][-300:]!r}"


def test_what_the_filter_lets_through_for_the_runner_the_kernel_refuses(probes):
    t = probes["runner_args"]
    assert t["status"] == "passed", f"(ret, errno) of unshare, setns, mount, umount2: {t['stdout']!r} {t['stderr']!r}"


@pytest.mark.skipif(not X86_64, reason="foreign syscall ABIs are probed on x86_64")
@pytest.mark.parametrize("name", ["int80", "x32"])
def test_foreign_abi_is_killed(probes, name):
    t = probes[name]
    assert t["status"] == "runtime_error" and t["exit_code"] == -SIGSYS, t


@pytest.mark.skipif(not X86_64, reason="the C++ probe uses x86_64 inline assembly")
def test_cpp_program_ptrace_and_int80(client):
    res = client.run({"language": "cpp", "code": CPP_PROBES, "mode": "stdio", "limits": {"time_s": 5},
                      "tests": [{"input": "ptrace_other", "output": "denied"}, {"input": "int80", "output": ""}]})
    assert res["status"] == "ok", res
    attach, int80 = res["tests"]
    assert attach["status"] == "passed", attach
    assert int80["status"] == "runtime_error" and int80["exit_code"] == -SIGSYS, int80


def test_filters_are_valid_bpf():
    for prog in (seccomp.bwrap_filter(), seccomp.after_setup_filter()):
        assert len(prog) % 8 == 0 and 0 < len(prog) // 8 < 256
