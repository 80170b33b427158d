/* Fixture for the `field-resized` rule (old side). */
#ifndef FIXTURE_FIELD_RESIZED_H
#define FIXTURE_FIELD_RESIZED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct z {
	__u32 a;
	__u32 b;
	__u64 c;
};

#endif /* FIXTURE_FIELD_RESIZED_H */
