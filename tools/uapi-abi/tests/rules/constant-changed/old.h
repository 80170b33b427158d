/* Fixture for the `constant-changed` rule (old side). */
#ifndef FIXTURE_CONSTANT_CHANGED_H
#define FIXTURE_CONSTANT_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

enum state {
	STATE_STOP = 0,
	STATE_RUNNING = 1,
};

#endif /* FIXTURE_CONSTANT_CHANGED_H */
