/* Fixture for the `ioctl-added` rule (old side). */
#ifndef FIXTURE_IOCTL_ADDED_H
#define FIXTURE_IOCTL_ADDED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DEV_RESET _IO('d', 1)

#endif /* FIXTURE_IOCTL_ADDED_H */
