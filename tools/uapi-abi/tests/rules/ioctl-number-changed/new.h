/* Fixture for the `ioctl-number-changed` rule (new side). */
#ifndef FIXTURE_IOCTL_NUMBER_CHANGED_H
#define FIXTURE_IOCTL_NUMBER_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct set_args {
	__u32 flags;
	__u32 value;
	__u64 extra;
};
#define DEV_SET _IOW('x', 3, struct set_args)

#endif /* FIXTURE_IOCTL_NUMBER_CHANGED_H */
