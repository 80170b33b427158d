/* Fixture for the `padding-used` rule (old side). */
#ifndef FIXTURE_PADDING_USED_H
#define FIXTURE_PADDING_USED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct p {
	__u32 argsz;
	__u8 kind;
	__u32 value;
};

#endif /* FIXTURE_PADDING_USED_H */
