/* Fixture for the `constant-changed` rule (new side). */
#ifndef FIXTURE_CONSTANT_CHANGED_H
#define FIXTURE_CONSTANT_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

enum state {
	STATE_ERROR = 0,
	STATE_STOP = 1,
	STATE_RUNNING = 2,
};

#endif /* FIXTURE_CONSTANT_CHANGED_H */
