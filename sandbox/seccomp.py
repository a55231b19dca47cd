"""The seccomp filter bubblewrap installs on every runner (and so on every program it starts).

Denied with EPERM: ptrace and cross-process memory access, kexec, bpf, perf, userfaultfd, the kernel keyring,
open_by_handle_at, kernel modules, pivot_root and the new mount API, clone() with any CLONE_NEW* flag.
clone3 gets ENOSYS (glibc then falls back to clone, whose flags the filter can see). Foreign syscall ABIs
(i386 via int 0x80, x32) kill the process. unshare/setns/mount/umount stay allowed for the runner itself, which holds
CAP_SYS_ADMIN inside its own user namespace; programs run without capabilities, so those calls fail for them.
"""
from __future__ import annotations

import platform
import struct

# arch: (AUDIT_ARCH, clone, clone3, denied syscall numbers)
_TABLE = {
    "x86_64": (0xC000003E, 56, 435, [101, 310, 311, 246, 320, 321, 298, 323, 250, 248, 249, 304, 175, 313, 176,
                                     155, 428, 429, 430, 431, 432, 433, 442]),
    "aarch64": (0xC00000B7, 220, 435, [117, 270, 271, 104, 294, 280, 241, 282, 219, 217, 218, 265, 105, 273, 106,
                                      41, 428, 429, 430, 431, 432, 433, 442]),
}
_NS_FLAGS = 0x7E020000 | 0x80  # every CLONE_NEW* flag (incl. CLONE_NEWTIME)
_LD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL, _EPERM, _ENOSYS = 0x7FFF0000, 0x80000000, 0x00050000 | 1, 0x00050000 | 38


def supported() -> bool:
    return platform.machine() in _TABLE


def program() -> bytes:
    """Raw `struct sock_filter[]` for bwrap --seccomp."""
    arch, clone, clone3, denied = _TABLE[platform.machine()]
    ins: list[bytes] = []

    def op(code: int, jt: int, jf: int, k: int) -> None:
        ins.append(struct.pack("=HBBI", code, jt, jf, k))

    op(_LD, 0, 0, 4)  # seccomp_data.arch
    op(_JEQ, 1, 0, arch)
    op(_RET, 0, 0, _KILL)
    op(_LD, 0, 0, 0)  # seccomp_data.nr
    if arch == 0xC000003E:
        op(_JGE, 0, 1, 0x40000000)
        op(_RET, 0, 0, _KILL)
    for nr in denied:
        op(_JEQ, 0, 1, nr)
        op(_RET, 0, 0, _EPERM)
    op(_JEQ, 0, 1, clone3)
    op(_RET, 0, 0, _ENOSYS)
    op(_JEQ, 0, 3, clone)
    op(_LD, 0, 0, 16)  # low 32 bits of args[0]: the clone flags
    op(_JSET, 0, 1, _NS_FLAGS)
    op(_RET, 0, 0, _EPERM)
    op(_RET, 0, 0, _ALLOW)
    return b"".join(ins)
