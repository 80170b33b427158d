/* Fixture for the `io-ioctl-with-struct` lint. */
#ifndef FIXTURE_IO_IOCTL_WITH_STRUCT_H
#define FIXTURE_IO_IOCTL_WITH_STRUCT_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct dev_cache_invalidate {
	__u32 argsz;
	__u32 flags;
};
#define DEV_CACHE_INVALIDATE _IO('g', 2)

#endif /* FIXTURE_IO_IOCTL_WITH_STRUCT_H */
