/* Fixture for the `record-align-changed` rule (new side). */
#ifndef FIXTURE_RECORD_ALIGN_CHANGED_H
#define FIXTURE_RECORD_ALIGN_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct al {
	__u32 argsz;
	__u32 pad;
	__aligned_u64 v;
};

#endif /* FIXTURE_RECORD_ALIGN_CHANGED_H */
