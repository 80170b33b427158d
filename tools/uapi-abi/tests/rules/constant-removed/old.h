/* Fixture for the `constant-removed` rule (old side). */
#ifndef FIXTURE_CONSTANT_REMOVED_H
#define FIXTURE_CONSTANT_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FEATURE_A 1
#define FEATURE_B 2

#endif /* FIXTURE_CONSTANT_REMOVED_H */
