/* Fixture for the `bitfield-changed` rule (old side). */
#ifndef FIXTURE_BITFIELD_CHANGED_H
#define FIXTURE_BITFIELD_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct bf {
	__u32 lo:4;
	__u32 hi:4;
};

#endif /* FIXTURE_BITFIELD_CHANGED_H */
