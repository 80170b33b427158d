/* Fixture for the `padding-hole` lint. */
#ifndef FIXTURE_PADDING_HOLE_H
#define FIXTURE_PADDING_HOLE_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct holes {
	__u32 argsz;
	__u8 kind;
	__u64 addr;
	__u16 tail;
};

#endif /* FIXTURE_PADDING_HOLE_H */
