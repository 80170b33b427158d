/* Fixture for the `field-split` rule (new side). */
#ifndef FIXTURE_FIELD_SPLIT_H
#define FIXTURE_FIELD_SPLIT_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct ctrl_cmd {
	__u32 dev_id;
	__u32 len;
	__u64 data[1];
	__u16 dev_path_len;
	__u16 pad;
	__u32 reserved;
};

struct wide {
	__u32 flags;
	__u32 pad;
	__u32 addr_lo;
	__u32 addr_hi;
};

#endif /* FIXTURE_FIELD_SPLIT_H */
