"""The sandbox's two stacked seccomp filters (classic BPF, built here, installed inside the sandbox).

- The **bwrap filter** (``bwrap --seccomp``) covers the runner and everything it starts. It denies ptrace and
  cross-process memory access, kexec, bpf, perf_event_open, userfaultfd, the kernel keyring (add_key, request_key,
  keyctl), open_by_handle_at, kernel modules, pivot_root and the new mount API, and clone() with any CLONE_NEW*
  flag. clone3 is denied too (glibc then falls back to clone, whose flags the filter can see).
- The **after-setup filter** is installed once by the runner when its own setup (mount namespace, /tmp) is done,
  so it covers the runner's steady state and every program. It allows mount, umount2, unshare and setns only with
  the exact arguments the runner uses per test (a new PID namespace, setns back to it, replacing the /tmp tmpfs),
  which programs, holding no capabilities, get EPERM for from the kernel; every other use, and chroot, is denied.
  (Installing it once costs nothing per test; a filter per test would cost a BPF JIT compile and free per fork.)

A denied call fails with **ENOSYS** ("Function not implemented"), as if the kernel lacked it. The kernel never
returns ENOSYS for these calls to an unprivileged caller (it returns EPERM, EACCES or ENOSPC), so a test can tell
the filter's denial from the kernel's own. A foreign syscall ABI (i386 through ``int 0x80``, x32) kills the
process with SIGSYS.
"""
from __future__ import annotations

import platform
import struct
import sys

# Per architecture: AUDIT_ARCH value, and the syscall numbers the filters name.
_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_NR = {
    "x86_64": {
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kexec_load": 246, "kexec_file_load": 320,
        "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "add_key": 248, "request_key": 249, "keyctl": 250,
        "open_by_handle_at": 304, "init_module": 175, "finit_module": 313, "delete_module": 176, "pivot_root": 155,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442, "clone": 56, "clone3": 435,
        "mount": 165, "umount2": 166, "unshare": 272, "setns": 308, "chroot": 161,
    },
    "aarch64": {
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kexec_load": 104, "kexec_file_load": 294,
        "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "add_key": 217, "request_key": 218, "keyctl": 219,
        "open_by_handle_at": 265, "init_module": 105, "finit_module": 273, "delete_module": 106, "pivot_root": 41,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442, "clone": 220, "clone3": 435,
        "mount": 40, "umount2": 39, "unshare": 97, "setns": 268, "chroot": 51,
    },
}
BWRAP_DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load", "bpf",
                 "perf_event_open", "userfaultfd", "add_key", "request_key", "keyctl", "open_by_handle_at",
                 "init_module", "finit_module", "delete_module", "pivot_root", "open_tree", "move_mount", "fsopen",
                 "fsconfig", "fsmount", "fspick", "mount_setattr", "clone3")
# After setup: (syscall, argument index, the only value allowed: what the runner itself passes); chroot never.
CLONE_NEWPID, MS_NOSUID, MS_NODEV, MNT_DETACH = 0x20000000, 2, 4, 2
AFTER_SETUP_ONLY = (("unshare", 0, CLONE_NEWPID), ("setns", 1, CLONE_NEWPID), ("mount", 3, MS_NOSUID | MS_NODEV),
                    ("umount2", 1, MNT_DETACH))
AFTER_SETUP_DENIED = ("chroot",)
NS_FLAGS = 0x7E020000 | 0x80  # every CLONE_NEW* flag (incl. CLONE_NEWTIME)
X32_BIT = 0x40000000
DENY_ERRNO = 38  # ENOSYS
_LD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_LOW = 0 if sys.byteorder == "little" else 4  # offset of an argument's low 32 bits in seccomp_data.args[i]


def supported() -> bool:
    """Whether filters exist for this machine's architecture (without them the sandbox runs unfiltered)."""
    return platform.machine() in _ARCH


def syscall_numbers() -> dict[str, int]:
    """Syscall numbers of this architecture, by name, for every call the filters name."""
    return dict(_NR[platform.machine()])


class _Builder:
    def __init__(self) -> None:
        self.ins: list[bytes] = []

    def op(self, code: int, jt: int, jf: int, k: int) -> None:
        self.ins.append(struct.pack("=HBBI", code, jt, jf, k))

    def native_abi_only(self, arch: int) -> None:
        """Kill a foreign ABI (i386 on x86_64: another AUDIT_ARCH; x32: the x32 bit in the number); leave the
        syscall number loaded."""
        self.op(_LD, 0, 0, 4)  # seccomp_data.arch
        self.op(_JEQ, 1, 0, arch)
        self.op(_RET, 0, 0, _KILL_PROCESS)
        self.op(_LD, 0, 0, 0)  # seccomp_data.nr
        if arch == _ARCH["x86_64"]:
            self.op(_JGE, 0, 1, X32_BIT)
            self.op(_RET, 0, 0, _KILL_PROCESS)

    def deny(self, nr: int) -> None:
        self.op(_JEQ, 0, 1, nr)
        self.op(_RET, 0, 0, _ERRNO | DENY_ERRNO)

    def only(self, nr: int, arg: int, value: int) -> None:
        """Syscall `nr` is allowed only when its argument `arg` (all 64 bits) equals `value`; else denied."""
        self.op(_JEQ, 0, 6, nr)
        self.op(_LD, 0, 0, 16 + 8 * arg + _LOW)
        self.op(_JEQ, 0, 3, value)
        self.op(_LD, 0, 0, 16 + 8 * arg + 4 - _LOW)
        self.op(_JEQ, 0, 1, 0)
        self.op(_RET, 0, 0, _ALLOW)
        self.op(_RET, 0, 0, _ERRNO | DENY_ERRNO)

    def build(self) -> bytes:
        self.op(_RET, 0, 0, _ALLOW)
        return b"".join(self.ins)


def bwrap_filter() -> bytes:
    """The bwrap filter, as a raw ``struct sock_filter[]`` for bwrap --seccomp."""
    machine = platform.machine()
    nr = _NR[machine]
    b = _Builder()
    b.native_abi_only(_ARCH[machine])
    for name in BWRAP_DENIED:
        b.deny(nr[name])
    b.op(_JEQ, 0, 3, nr["clone"])
    b.op(_LD, 0, 0, 16 + _LOW)  # low 32 bits of args[0]: the clone flags
    b.op(_JSET, 0, 1, NS_FLAGS)
    b.op(_RET, 0, 0, _ERRNO | DENY_ERRNO)
    return b.build()


def after_setup_filter() -> bytes:
    """The after-setup filter, as a raw ``struct sock_filter[]`` the runner installs with prctl(PR_SET_SECCOMP)."""
    machine = platform.machine()
    nr = _NR[machine]
    b = _Builder()
    b.native_abi_only(_ARCH[machine])
    for name in AFTER_SETUP_DENIED:
        b.deny(nr[name])
    for name, arg, value in AFTER_SETUP_ONLY:
        b.only(nr[name], arg, value)
    return b.build()
