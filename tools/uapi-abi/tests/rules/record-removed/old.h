/* Fixture for the `record-removed` rule (old side). */
#ifndef FIXTURE_RECORD_REMOVED_H
#define FIXTURE_RECORD_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct gone {
	__u32 argsz;
	__u32 flags;
};
struct kept {
	__u32 a;
};

#endif /* FIXTURE_RECORD_REMOVED_H */
