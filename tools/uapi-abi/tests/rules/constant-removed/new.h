/* Fixture for the `constant-removed` rule (new side). */
#ifndef FIXTURE_CONSTANT_REMOVED_H
#define FIXTURE_CONSTANT_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FEATURE_A 1

#endif /* FIXTURE_CONSTANT_REMOVED_H */
