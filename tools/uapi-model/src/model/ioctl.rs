//! ioctl numbers decoded into direction, type, number and argument size.
//!
//! Most architectures use the generic `asm-generic/ioctl.h` packing (2 direction bits, 14 size
//! bits, none = 0, write = 1, read = 2). powerpc, mips, sparc and alpha use 3 direction bits and 13
//! size bits with none = 1, read = 2, write = 4, so the same `_IOW` gives a different number there.

/// The packing of an ioctl number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoctlEncoding {
    /// `asm-generic/ioctl.h`: x86, arm, arm64, riscv, s390 and most others.
    Generic,
    /// powerpc, mips, sparc and alpha.
    Powerpc,
}

/// The data direction of an ioctl, from userspace's point of view of the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IoctlDir {
    /// `_IO`: no argument copied.
    None,
    /// `_IOR`: the kernel writes the argument.
    Read,
    /// `_IOW`: the kernel reads the argument.
    Write,
    /// `_IOWR`: both.
    ReadWrite,
}

impl IoctlDir {
    /// The short name used in snapshots and reports.
    pub fn name(self) -> &'static str {
        match self {
            IoctlDir::None => "none",
            IoctlDir::Read => "read",
            IoctlDir::Write => "write",
            IoctlDir::ReadWrite => "read-write",
        }
    }

    /// Parses [`IoctlDir::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        [
            IoctlDir::None,
            IoctlDir::Read,
            IoctlDir::Write,
            IoctlDir::ReadWrite,
        ]
        .into_iter()
        .find(|d| d.name() == s)
    }

    /// The macro that builds an ioctl with this direction.
    pub fn macro_name(self) -> &'static str {
        match self {
            IoctlDir::None => "_IO",
            IoctlDir::Read => "_IOR",
            IoctlDir::Write => "_IOW",
            IoctlDir::ReadWrite => "_IOWR",
        }
    }
}

/// A decoded ioctl number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ioctl {
    /// Direction bits.
    pub dir: IoctlDir,
    /// The type (magic) byte.
    pub ioc_type: u8,
    /// The command number.
    pub nr: u8,
    /// The argument size encoded in the number, in bytes.
    pub size_bytes: u32,
    /// The macro used in the header (`_IO`, `_IOR`, ...), which may disagree with `dir` only if
    /// the header redefines them.
    pub macro_name: String,
    /// The argument type named in the macro, e.g. `struct vfio_iommu_type1_dma_map`; `None` for
    /// `_IO`.
    pub arg_type: Option<String>,
}

impl IoctlEncoding {
    fn size_bits(self) -> u32 {
        match self {
            IoctlEncoding::Generic => 14,
            IoctlEncoding::Powerpc => 13,
        }
    }

    /// Splits a number into (direction, type, nr, size); `None` if the direction bits are not a
    /// valid combination for this encoding or the value does not fit 32 bits.
    pub fn decode(self, value: i128) -> Option<(IoctlDir, u8, u8, u32)> {
        let value = u32::try_from(value).ok()?;
        let nr = (value & 0xff) as u8;
        let ioc_type = ((value >> 8) & 0xff) as u8;
        let size_mask = (1u32 << self.size_bits()) - 1;
        let size = (value >> 16) & size_mask;
        let dir_bits = value >> (16 + self.size_bits());
        let dir = match (self, dir_bits) {
            (IoctlEncoding::Generic, 0) => IoctlDir::None,
            (IoctlEncoding::Generic, 1) => IoctlDir::Write,
            (IoctlEncoding::Generic, 2) => IoctlDir::Read,
            (IoctlEncoding::Generic, 3) => IoctlDir::ReadWrite,
            (IoctlEncoding::Powerpc, 1) => IoctlDir::None,
            (IoctlEncoding::Powerpc, 2) => IoctlDir::Read,
            (IoctlEncoding::Powerpc, 4) => IoctlDir::Write,
            (IoctlEncoding::Powerpc, 6) => IoctlDir::ReadWrite,
            _ => return None,
        };
        Some((dir, ioc_type, nr, size))
    }

    /// Packs an ioctl number; `None` if the size does not fit the size field.
    pub fn encode(self, dir: IoctlDir, ioc_type: u8, nr: u8, size: u32) -> Option<u32> {
        if size >= 1 << self.size_bits() {
            return None;
        }
        let dir_bits = match (self, dir) {
            (IoctlEncoding::Generic, IoctlDir::None) => 0,
            (IoctlEncoding::Generic, IoctlDir::Write) => 1,
            (IoctlEncoding::Generic, IoctlDir::Read) => 2,
            (IoctlEncoding::Generic, IoctlDir::ReadWrite) => 3,
            (IoctlEncoding::Powerpc, IoctlDir::None) => 1,
            (IoctlEncoding::Powerpc, IoctlDir::Read) => 2,
            (IoctlEncoding::Powerpc, IoctlDir::Write) => 4,
            (IoctlEncoding::Powerpc, IoctlDir::ReadWrite) => 6,
        };
        Some(
            (dir_bits << (16 + self.size_bits()))
                | (size << 16)
                | (u32::from(ioc_type) << 8)
                | u32::from(nr),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_and_powerpc_differ_for_the_same_io() {
        // VFIO_GET_API_VERSION is _IO(';', 100).
        assert_eq!(
            IoctlEncoding::Generic.encode(IoctlDir::None, b';', 100, 0),
            Some(0x3b64)
        );
        assert_eq!(
            IoctlEncoding::Powerpc.encode(IoctlDir::None, b';', 100, 0),
            Some(0x2000_3b64)
        );
    }

    #[test]
    fn decode_inverts_encode_for_every_direction() {
        for enc in [IoctlEncoding::Generic, IoctlEncoding::Powerpc] {
            for dir in [
                IoctlDir::None,
                IoctlDir::Read,
                IoctlDir::Write,
                IoctlDir::ReadWrite,
            ] {
                let v = enc.encode(dir, b'T', 7, 40).unwrap();
                assert_eq!(enc.decode(i128::from(v)), Some((dir, b'T', 7, 40)));
            }
        }
    }

    #[test]
    fn decode_refuses_invalid_direction_and_out_of_range() {
        assert_eq!(IoctlEncoding::Powerpc.decode(0x3b64), None);
        assert_eq!(IoctlEncoding::Generic.decode(-1), None);
        assert_eq!(IoctlEncoding::Generic.decode(1 << 40), None);
    }

    #[test]
    fn encode_refuses_oversized_argument() {
        assert_eq!(
            IoctlEncoding::Powerpc.encode(IoctlDir::Write, 1, 1, 1 << 13),
            None
        );
        assert!(IoctlEncoding::Generic
            .encode(IoctlDir::Write, 1, 1, 1 << 13)
            .is_some());
    }
}
