/* Fixture for the `record-added` rule (new side). */
#ifndef FIXTURE_RECORD_ADDED_H
#define FIXTURE_RECORD_ADDED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct a {
	__u32 x;
};
struct b {
	__u32 argsz;
	__u32 flags;
};

#endif /* FIXTURE_RECORD_ADDED_H */
