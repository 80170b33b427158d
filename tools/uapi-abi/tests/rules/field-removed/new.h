/* Fixture for the `field-removed` rule (new side). */
#ifndef FIXTURE_FIELD_REMOVED_H
#define FIXTURE_FIELD_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct r {
	__u32 a;
};

#endif /* FIXTURE_FIELD_REMOVED_H */
