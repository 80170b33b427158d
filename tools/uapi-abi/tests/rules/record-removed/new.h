/* Fixture for the `record-removed` rule (new side). */
#ifndef FIXTURE_RECORD_REMOVED_H
#define FIXTURE_RECORD_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct kept {
	__u32 a;
};

#endif /* FIXTURE_RECORD_REMOVED_H */
