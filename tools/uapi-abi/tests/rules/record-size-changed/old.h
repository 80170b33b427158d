/* Fixture for the `record-size-changed` rule (old side). */
#ifndef FIXTURE_RECORD_SIZE_CHANGED_H
#define FIXTURE_RECORD_SIZE_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct fixed {
	__u32 a;
	__u32 b;
};

#endif /* FIXTURE_RECORD_SIZE_CHANGED_H */
