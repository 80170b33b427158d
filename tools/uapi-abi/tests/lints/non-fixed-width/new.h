/* Fixture for the `non-fixed-width` lint. */
#ifndef FIXTURE_NON_FIXED_WIDTH_H
#define FIXTURE_NON_FIXED_WIDTH_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct loose {
	__u32 argsz;
	long count;
	void *buf;
};

#endif /* FIXTURE_NON_FIXED_WIDTH_H */
