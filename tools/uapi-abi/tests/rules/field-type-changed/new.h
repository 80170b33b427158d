/* Fixture for the `field-type-changed` rule (new side). */
#ifndef FIXTURE_FIELD_TYPE_CHANGED_H
#define FIXTURE_FIELD_TYPE_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct t {
	__u32 a;
	__s32 b;
};

#endif /* FIXTURE_FIELD_TYPE_CHANGED_H */
