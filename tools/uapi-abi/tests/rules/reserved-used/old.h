/* Fixture for the `reserved-used` rule (old side). */
#ifndef FIXTURE_RESERVED_USED_H
#define FIXTURE_RESERVED_USED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct rs {
	__u32 argsz;
	__u32 flags;
	__u32 reserved[2];
};

#endif /* FIXTURE_RESERVED_USED_H */
