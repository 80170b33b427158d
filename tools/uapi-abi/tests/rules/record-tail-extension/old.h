/* Fixture for the `record-tail-extension` rule (old side). */
#ifndef FIXTURE_RECORD_TAIL_EXTENSION_H
#define FIXTURE_RECORD_TAIL_EXTENSION_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct ext {
	__u32 argsz;
	__u32 flags;
};
#define EXT_GET _IO('x', 1)

#endif /* FIXTURE_RECORD_TAIL_EXTENSION_H */
