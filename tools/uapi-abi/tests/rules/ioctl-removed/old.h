/* Fixture for the `ioctl-removed` rule (old side). */
#ifndef FIXTURE_IOCTL_REMOVED_H
#define FIXTURE_IOCTL_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DEV_RESET _IO('d', 1)
#define DEV_STOP _IO('d', 2)

#endif /* FIXTURE_IOCTL_REMOVED_H */
