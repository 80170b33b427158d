/* Fixture for the `embedded-variable-size` lint. */
#ifndef FIXTURE_EMBEDDED_VARIABLE_SIZE_H
#define FIXTURE_EMBEDDED_VARIABLE_SIZE_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct versioned {
	__u32 version;
	__u32 cache;
};
struct carrier {
	__u32 argsz;
	__u32 flags;
	struct versioned info;
	__u32 after;
};

#endif /* FIXTURE_EMBEDDED_VARIABLE_SIZE_H */
