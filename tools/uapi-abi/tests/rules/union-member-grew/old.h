/* Fixture for the `union-member-grew` rule (old side). */
#ifndef FIXTURE_UNION_MEMBER_GREW_H
#define FIXTURE_UNION_MEMBER_GREW_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct meta_format {
	__u32 dataformat;
	__u32 buffersize;
};

struct format {
	__u32 type;
	union {
		struct meta_format meta;
		__u8 raw_data[200];
	} fmt;
};

#endif /* FIXTURE_UNION_MEMBER_GREW_H */
