//! `copy_struct_from_user(dst, ksize, src, usize)` with the kernel's exact rules:
//! `usize == ksize` copies; `usize < ksize` copies and zero-fills the tail; `usize > ksize`
//! requires the user bytes past `ksize` to be zero (`-E2BIG` otherwise) and copies `ksize`;
//! a fault anywhere is `-EFAULT`.

use crate::errno::Errno;
use crate::fail_nth::FailNth;
use crate::usermem::{all_zero, UserMemory};

/// Copies a user struct of `usize` bytes at `src` into a kernel struct of `ksize` bytes.
pub fn copy_struct_from_user(
    mem: &mut UserMemory,
    faults: &mut FailNth,
    ksize: u64,
    src: u64,
    usize: u64,
) -> Result<Vec<u8>, Errno> {
    let size = ksize.min(usize);
    if usize > ksize {
        // check_zeroed_user(src + ksize, usize - ksize)
        let tail_start = src.checked_add(ksize).ok_or(Errno::Efault)?;
        if !mem.check_zeroed_user(faults, tail_start, usize - ksize)? {
            return Err(Errno::E2big);
        }
    }
    let mut dst = mem.copy_from_user(faults, src, size)?;
    dst.resize(usize_of(ksize)?, 0);
    Ok(dst)
}

fn usize_of(n: u64) -> Result<usize, Errno> {
    usize::try_from(n).map_err(|_| Errno::Enomem)
}

/// The reference: what `copy_struct_from_user` must return, computed from a memory snapshot in the
/// plainest way (used by the oracle and the `copy_struct` fuzz target).
pub fn reference(mem: &UserMemory, ksize: u64, src: u64, usize: u64) -> Result<Vec<u8>, Errno> {
    let ksize_usize = usize::try_from(ksize).map_err(|_| Errno::Enomem)?;
    if usize > ksize {
        let tail = mem.peek(src.checked_add(ksize).ok_or(Errno::Efault)?, usize - ksize)?;
        if !all_zero(&tail) {
            return Err(Errno::E2big);
        }
    }
    let mut out = mem.peek(src, ksize.min(usize))?;
    out.resize(ksize_usize, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usermem::UserRange;

    fn mem_with(bytes: &[u8]) -> UserMemory {
        let mut m = UserMemory::new();
        m.map(0x1000, 0x1000);
        m.poke(0x1000, bytes).unwrap();
        m
    }

    fn run(m: &mut UserMemory, ksize: u64, src: u64, usize: u64) -> Result<Vec<u8>, Errno> {
        copy_struct_from_user(m, &mut FailNth::default(), ksize, src, usize)
    }

    #[test]
    fn smaller_user_struct_is_zero_filled() {
        let mut m = mem_with(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(run(&mut m, 8, 0x1000, 4), Ok(vec![1, 2, 3, 4, 0, 0, 0, 0]));
    }

    #[test]
    fn larger_user_struct_needs_zero_tail() {
        let mut m = mem_with(&[1, 2, 3, 4, 0, 0, 0, 0]);
        assert_eq!(run(&mut m, 4, 0x1000, 8), Ok(vec![1, 2, 3, 4]));
        let mut m = mem_with(&[1, 2, 3, 4, 0, 0, 9, 0]);
        assert_eq!(run(&mut m, 4, 0x1000, 8), Err(Errno::E2big));
    }

    #[test]
    fn unmapped_or_wrapping_is_efault() {
        let mut m = mem_with(&[0; 8]);
        assert_eq!(run(&mut m, 8, 0x1ffc, 8), Err(Errno::Efault));
        assert_eq!(run(&mut m, 8, u64::MAX - 2, 8), Err(Errno::Efault));
        assert_eq!(run(&mut m, 4, 0x1ffc, 0x10), Err(Errno::Efault));
    }

    /// Equal sizes have no tail to check: one read of the struct, even where `src + ksize` is
    /// 2^64 (a struct in the last page of the address space).
    #[test]
    fn equal_sizes_copy_without_a_tail_check() {
        let top = u64::MAX - 7;
        let mut m = UserMemory::new();
        m.map(top, 8);
        m.poke(top, &[1; 8]).unwrap();
        assert_eq!(reference(&m, 8, top, 8), Ok(vec![1; 8]));
        let mut faults = FailNth::default();
        assert_eq!(
            copy_struct_from_user(&mut m, &mut faults, 8, top, 8),
            Ok(vec![1; 8])
        );
        assert_eq!(m.reads(), [UserRange::new(top, 8)]);
        assert_eq!(faults.reached(), 1);
    }

    #[test]
    fn injected_copy_fault_is_efault() {
        let mut m = mem_with(&[0; 8]);
        let mut f = FailNth::new(Some(1));
        assert_eq!(
            copy_struct_from_user(&mut m, &mut f, 8, 0x1000, 8),
            Err(Errno::Efault)
        );
    }
}
