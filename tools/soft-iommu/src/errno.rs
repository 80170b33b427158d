//! The kernel errno values the modelled ioctls return.

use std::fmt;

/// An error number as the kernel returns it (negated at the syscall boundary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Errno {
    /// `ENOENT` (2): no such object.
    Enoent,
    /// `EIO` (5): a device failed the operation.
    Eio,
    /// `E2BIG` (7): trailing user bytes beyond what the kernel knows are not zero.
    E2big,
    /// `ENOMEM` (12): allocation failed.
    Enomem,
    /// `EFAULT` (14): a user address could not be read or written.
    Efault,
    /// `EINVAL` (22): invalid argument.
    Einval,
    /// `ENOTTY` (25): the ioctl is not handled by this profile.
    Enotty,
    /// `EOPNOTSUPP` (95): a reserved field or feature is not supported.
    Eopnotsupp,
}

impl Errno {
    /// The positive errno number.
    pub fn code(self) -> i32 {
        match self {
            Errno::Enoent => 2,
            Errno::Eio => 5,
            Errno::E2big => 7,
            Errno::Enomem => 12,
            Errno::Efault => 14,
            Errno::Einval => 22,
            Errno::Enotty => 25,
            Errno::Eopnotsupp => 95,
        }
    }

    /// The symbolic name.
    pub fn name(self) -> &'static str {
        match self {
            Errno::Enoent => "ENOENT",
            Errno::Eio => "EIO",
            Errno::E2big => "E2BIG",
            Errno::Enomem => "ENOMEM",
            Errno::Efault => "EFAULT",
            Errno::Einval => "EINVAL",
            Errno::Enotty => "ENOTTY",
            Errno::Eopnotsupp => "EOPNOTSUPP",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-{} ({})", self.name(), self.code())
    }
}
