/* Fixture for the `reserved-used` rule (new side). */
#ifndef FIXTURE_RESERVED_USED_H
#define FIXTURE_RESERVED_USED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct rs {
	__u32 argsz;
	__u32 flags;
	__u32 pasid;
	__u32 reserved;
};

#endif /* FIXTURE_RESERVED_USED_H */
