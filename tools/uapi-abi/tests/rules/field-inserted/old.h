/* Fixture for the `field-inserted` rule (old side). */
#ifndef FIXTURE_FIELD_INSERTED_H
#define FIXTURE_FIELD_INSERTED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct info {
	__u32 version;
	__u32 flags;
	__u64 addr;
};

#endif /* FIXTURE_FIELD_INSERTED_H */
