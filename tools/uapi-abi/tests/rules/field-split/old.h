/* Fixture for the `field-split` rule (old side). */
#ifndef FIXTURE_FIELD_SPLIT_H
#define FIXTURE_FIELD_SPLIT_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct ctrl_cmd {
	__u32 dev_id;
	__u32 len;
	__u64 data[2];
};

struct wide {
	__u32 flags;
	__u32 pad;
	__u64 addr;
};

#endif /* FIXTURE_FIELD_SPLIT_H */
