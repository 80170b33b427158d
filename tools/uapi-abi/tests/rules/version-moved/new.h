/* Fixture for the `version-moved` rule (new side). */
#ifndef FIXTURE_VERSION_MOVED_H
#define FIXTURE_VERSION_MOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FIXTURE_DM_VERSION_MINOR 48
#define FIXTURE_KERNEL_MINOR_VERSION 41
#define FIXTURE_STATS_VERSION 14
#define FIXTURE_VERSION_1 2

#endif /* FIXTURE_VERSION_MOVED_H */
