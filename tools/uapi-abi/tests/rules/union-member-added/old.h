/* Fixture for the `union-member-added` rule (old side). */
#ifndef FIXTURE_UNION_MEMBER_ADDED_H
#define FIXTURE_UNION_MEMBER_ADDED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct u {
	__u32 argsz;
	__u32 type;
	union {
		__u32 group_id;
	};
};

#endif /* FIXTURE_UNION_MEMBER_ADDED_H */
