/* Fixture for the `bitfield-changed` rule (new side). */
#ifndef FIXTURE_BITFIELD_CHANGED_H
#define FIXTURE_BITFIELD_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct bf {
	__u32 lo:3;
	__u32 hi:5;
};

#endif /* FIXTURE_BITFIELD_CHANGED_H */
