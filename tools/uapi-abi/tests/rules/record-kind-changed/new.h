/* Fixture for the `record-kind-changed` rule (new side). */
#ifndef FIXTURE_RECORD_KIND_CHANGED_H
#define FIXTURE_RECORD_KIND_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

union shape {
	__u32 a;
	__u32 b;
};

#endif /* FIXTURE_RECORD_KIND_CHANGED_H */
