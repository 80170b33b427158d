/* Fixture for the `field-moved` rule (old side). */
#ifndef FIXTURE_FIELD_MOVED_H
#define FIXTURE_FIELD_MOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct m {
	__u32 a;
	__u16 b;
	__u16 c;
};

#endif /* FIXTURE_FIELD_MOVED_H */
