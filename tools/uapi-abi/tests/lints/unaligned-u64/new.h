/* Fixture for the `unaligned-u64` lint. */
#ifndef FIXTURE_UNALIGNED_U64_H
#define FIXTURE_UNALIGNED_U64_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct odd {
	__u32 argsz;
	__u64 addr;
};

#endif /* FIXTURE_UNALIGNED_U64_H */
