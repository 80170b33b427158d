/* Fixture for the `record-size-changed` rule (new side). */
#ifndef FIXTURE_RECORD_SIZE_CHANGED_H
#define FIXTURE_RECORD_SIZE_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct fixed {
	__u32 a;
	__u32 b;
	__u32 c;
};

#endif /* FIXTURE_RECORD_SIZE_CHANGED_H */
