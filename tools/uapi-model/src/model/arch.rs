//! The architectures uapi-guard checks and the facts about each that the model needs.

use super::IoctlEncoding;
use std::fmt;
use std::str::FromStr;

/// Byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

/// A supported target architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// 64-bit x86.
    X86_64,
    /// 32-bit x86, where `__u64` is only 4-byte aligned inside structs.
    I386,
    /// 64-bit Arm.
    Aarch64,
    /// 32-bit Arm, hard-float EABI.
    Arm,
    /// 64-bit RISC-V.
    Riscv64,
    /// 64-bit little-endian POWER, with its own ioctl encoding.
    Ppc64le,
    /// 64-bit IBM Z, big-endian.
    S390x,
}

/// An architecture name that is not supported.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown architecture `{0}` (supported: x86_64, i386, aarch64, arm, riscv64, ppc64le, s390x)"
)]
pub struct ArchError(pub String);

impl Arch {
    /// Every supported architecture, in canonical order.
    pub const ALL: [Arch; 7] = [
        Arch::X86_64,
        Arch::I386,
        Arch::Aarch64,
        Arch::Arm,
        Arch::Riscv64,
        Arch::Ppc64le,
        Arch::S390x,
    ];

    /// The name used on the command line and in snapshots.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::I386 => "i386",
            Arch::Aarch64 => "aarch64",
            Arch::Arm => "arm",
            Arch::Riscv64 => "riscv64",
            Arch::Ppc64le => "ppc64le",
            Arch::S390x => "s390x",
        }
    }

    /// The clang `--target` triple.
    pub fn clang_target(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-linux-gnu",
            Arch::I386 => "i686-linux-gnu",
            Arch::Aarch64 => "aarch64-linux-gnu",
            Arch::Arm => "armv7a-linux-gnueabihf",
            Arch::Riscv64 => "riscv64-linux-gnu",
            Arch::Ppc64le => "powerpc64le-linux-gnu",
            Arch::S390x => "s390x-linux-gnu",
        }
    }

    /// The Debian multiarch triple, naming the cross headers' directory `/usr/<triple>/include`.
    pub fn debian_triple(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-linux-gnu",
            Arch::I386 => "i686-linux-gnu",
            Arch::Aarch64 => "aarch64-linux-gnu",
            Arch::Arm => "arm-linux-gnueabihf",
            Arch::Riscv64 => "riscv64-linux-gnu",
            Arch::Ppc64le => "powerpc64le-linux-gnu",
            Arch::S390x => "s390x-linux-gnu",
        }
    }

    /// The Debian architecture name, naming `linux-libc-dev-<arch>-cross`.
    pub fn debian_arch(self) -> &'static str {
        match self {
            Arch::X86_64 => "amd64",
            Arch::I386 => "i386",
            Arch::Aarch64 => "arm64",
            Arch::Arm => "armhf",
            Arch::Riscv64 => "riscv64",
            Arch::Ppc64le => "ppc64el",
            Arch::S390x => "s390x",
        }
    }

    /// Byte order.
    pub fn endian(self) -> Endian {
        match self {
            Arch::S390x => Endian::Big,
            _ => Endian::Little,
        }
    }

    /// What a bare `__attribute__((aligned))` means here (clang's `__BIGGEST_ALIGNMENT__`).
    pub fn biggest_alignment(self) -> u64 {
        match self {
            Arch::Arm | Arch::S390x => 8,
            _ => 16,
        }
    }

    /// How `_IOC` packs direction, size, type and number on this architecture.
    pub fn ioctl_encoding(self) -> IoctlEncoding {
        match self {
            Arch::Ppc64le => IoctlEncoding::Powerpc,
            _ => IoctlEncoding::Generic,
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = ArchError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Arch::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| ArchError(s.to_string()))
    }
}
