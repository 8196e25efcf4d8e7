"""A seccomp-bpf denylist for the jail, compiled by hand so no libseccomp binding is needed.

The namespaces are the boundary; this filter shrinks the kernel surface reachable from inside
them (no ptrace, mounts, new namespaces, BPF, keyrings, io_uring, module loading ...).
"""

from __future__ import annotations

import errno
import platform
import struct

__all__ = ["build_filter"]

# Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
_RET_KILL_PROCESS = 0x80000000
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0_LO = 16

#: Namespace flags refused in clone(2): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET.
_CLONE_NEW_MASK = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
_CLONE_NEW_MASK |= 0x20000000 | 0x40000000

#: Denied syscalls: name -> (x86_64 number, aarch64 number), from asm/unistd_64.h and
#: asm-generic/unistd.h; None where the call does not exist.
_DENIED: dict[str, tuple[int, int | None]] = {
    "ptrace": (101, 117),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "bpf": (321, 280),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "unshare": (272, 97),
    "setns": (308, 268),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "init_module": (175, 105),
    "finit_module": (313, 273),
    "delete_module": (176, 106),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    "reboot": (169, 142),
    "acct": (163, 89),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "kcmp": (312, 272),
    "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264),
    "quotactl": (179, 60),
    "move_pages": (279, 239),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "move_mount": (429, 429),
    "open_tree": (428, 428),
    "mount_setattr": (442, 442),
    "iopl": (172, None),
    "ioperm": (173, None),
    "modify_ldt": (154, None),
    "uselib": (134, None),
    "vhangup": (153, 58),
    "lookup_dcookie": (212, 18),
    "syslog": (103, 116),
    "pidfd_getfd": (438, 438),
    "fanotify_init": (300, 262),
    "settimeofday": (164, 170),
    "clock_settime": (227, 112),
    "clock_adjtime": (305, 266),
    "adjtimex": (159, 171),
    "sethostname": (170, 161),
    "setdomainname": (171, 162),
}

#: machine name -> (AUDIT_ARCH_*, denied numbers, clone, clone3)
_ARCHES: dict[str, tuple[int, dict[str, int | None], int, int]] = {
    "x86_64": (0xC000003E, {name: nrs[0] for name, nrs in _DENIED.items()}, 56, 435),
    "aarch64": (0xC00000B7, {name: nrs[1] for name, nrs in _DENIED.items()}, 220, 435),
}


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def build_filter(machine: str | None = None) -> bytes | None:
    """Return the compiled filter for ``machine`` (default: this host), or None if unsupported.

    Denied calls fail with EPERM; ``clone3`` fails with ENOSYS so libc falls back to ``clone``,
    whose namespace flags are checked. A foreign syscall ABI (e.g. x32) kills the process.
    """
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, numbers, clone_nr, clone3_nr = arch
    eperm = _RET_ERRNO | errno.EPERM
    prog = [
        _insn(_LD_W_ABS, _OFF_ARCH),
        _insn(_JEQ_K, audit_arch, jt=1),
        _insn(_RET_K, _RET_KILL_PROCESS),
        _insn(_LD_W_ABS, _OFF_NR),
        _insn(_JGE_K, 0x40000000, jf=1),
        _insn(_RET_K, _RET_KILL_PROCESS),
        _insn(_JEQ_K, clone3_nr, jf=1),
        _insn(_RET_K, _RET_ERRNO | errno.ENOSYS),
    ]
    for nr in sorted({n for n in numbers.values() if n is not None}):
        prog += [_insn(_JEQ_K, nr, jf=1), _insn(_RET_K, eperm)]
    prog += [
        _insn(_JEQ_K, clone_nr, jf=3),
        _insn(_LD_W_ABS, _OFF_ARG0_LO),
        _insn(_JSET_K, _CLONE_NEW_MASK, jf=1),
        _insn(_RET_K, eperm),
        _insn(_RET_K, _RET_ALLOW),
    ]
    return b"".join(prog)
