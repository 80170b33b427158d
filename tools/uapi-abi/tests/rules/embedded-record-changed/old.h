/* Fixture for the `embedded-record-changed` rule (old side). */
#ifndef FIXTURE_EMBEDDED_RECORD_CHANGED_H
#define FIXTURE_EMBEDDED_RECORD_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct inner {
	__u32 version;
	__u16 cache;
	__u16 granu;
};
struct outer {
	__u32 argsz;
	__u32 flags;
	struct inner cache_info;
};

#endif /* FIXTURE_EMBEDDED_RECORD_CHANGED_H */
