/* Fixture for the `ioctl-removed` rule (new side). */
#ifndef FIXTURE_IOCTL_REMOVED_H
#define FIXTURE_IOCTL_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DEV_RESET _IO('d', 1)

#endif /* FIXTURE_IOCTL_REMOVED_H */
