/* Fixture for the `record-kind-changed` rule (old side). */
#ifndef FIXTURE_RECORD_KIND_CHANGED_H
#define FIXTURE_RECORD_KIND_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct shape {
	__u32 a;
	__u32 b;
};

#endif /* FIXTURE_RECORD_KIND_CHANGED_H */
