/* Fixture for the `field-resized` rule (new side). */
#ifndef FIXTURE_FIELD_RESIZED_H
#define FIXTURE_FIELD_RESIZED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct z {
	__u32 a;
	__u16 b;
	__u16 b2;
	__u64 c;
};

#endif /* FIXTURE_FIELD_RESIZED_H */
