/* Fixture for the `ioctl-argument-changed` rule (new side). */
#ifndef FIXTURE_IOCTL_ARGUMENT_CHANGED_H
#define FIXTURE_IOCTL_ARGUMENT_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct arg_a {
	__u32 x;
	__u32 y;
};
struct arg_b {
	__u32 x;
	__u32 y;
};
#define DEV_GET _IOR('d', 4, struct arg_b)

#endif /* FIXTURE_IOCTL_ARGUMENT_CHANGED_H */
