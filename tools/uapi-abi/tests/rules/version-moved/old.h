/* Fixture for the `version-moved` rule (old side). */
#ifndef FIXTURE_VERSION_MOVED_H
#define FIXTURE_VERSION_MOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FIXTURE_DM_VERSION_MINOR 47
#define FIXTURE_KERNEL_MINOR_VERSION 38
#define FIXTURE_STATS_VERSION 13
#define FIXTURE_VERSION_1 1

#endif /* FIXTURE_VERSION_MOVED_H */
