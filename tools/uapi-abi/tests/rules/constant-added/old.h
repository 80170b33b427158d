/* Fixture for the `constant-added` rule (old side). */
#ifndef FIXTURE_CONSTANT_ADDED_H
#define FIXTURE_CONSTANT_ADDED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FLAG_READ (1 << 0)

#endif /* FIXTURE_CONSTANT_ADDED_H */
