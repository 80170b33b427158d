/* Fixture for the `field-removed` rule (old side). */
#ifndef FIXTURE_FIELD_REMOVED_H
#define FIXTURE_FIELD_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct r {
	__u32 a;
	__u32 b;
};

#endif /* FIXTURE_FIELD_REMOVED_H */
