/* Fixture for the `field-removed` rule (new side). */
#ifndef FIXTURE_FIELD_REMOVED_H
#define FIXTURE_FIELD_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct r {
	__u32 a;
};

/* An anonymous union that becomes a named one keeps its members: nothing is removed. */
union ev_data {
	__u32 note;
	__u64 ext;
};

struct ev {
	__u32 type;
	union ev_data data;
};

#endif /* FIXTURE_FIELD_REMOVED_H */
