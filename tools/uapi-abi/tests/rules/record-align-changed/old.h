/* Fixture for the `record-align-changed` rule (old side). */
#ifndef FIXTURE_RECORD_ALIGN_CHANGED_H
#define FIXTURE_RECORD_ALIGN_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct al {
	__u32 argsz;
	__u32 pad;
	__u64 v;
};

#endif /* FIXTURE_RECORD_ALIGN_CHANGED_H */
