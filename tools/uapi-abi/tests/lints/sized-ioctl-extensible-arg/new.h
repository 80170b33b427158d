/* Fixture for the `sized-ioctl-extensible-arg` lint. */
#ifndef FIXTURE_SIZED_IOCTL_EXTENSIBLE_ARG_H
#define FIXTURE_SIZED_IOCTL_EXTENSIBLE_ARG_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct grow {
	__u32 argsz;
	__u32 flags;
};
#define DEV_GROW _IOW('g', 1, struct grow)

#endif /* FIXTURE_SIZED_IOCTL_EXTENSIBLE_ARG_H */
