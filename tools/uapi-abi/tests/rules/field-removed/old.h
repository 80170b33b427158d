/* Fixture for the `field-removed` rule (old side). */
#ifndef FIXTURE_FIELD_REMOVED_H
#define FIXTURE_FIELD_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct r {
	__u32 a;
	__u32 b;
};

/* An anonymous union that becomes a named one keeps its members: nothing is removed. */
struct ev {
	__u32 type;
	union {
		__u32 note;
		__u64 ext;
	} data;
};

#endif /* FIXTURE_FIELD_REMOVED_H */
