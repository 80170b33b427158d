/* Fixture for the `abi-differs-32-64` lint. */
#ifndef FIXTURE_ABI_DIFFERS_32_64_H
#define FIXTURE_ABI_DIFFERS_32_64_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct mixed {
	__u32 argsz;
	__u64 value;
};

#endif /* FIXTURE_ABI_DIFFERS_32_64_H */
