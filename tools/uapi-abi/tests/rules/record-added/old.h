/* Fixture for the `record-added` rule (old side). */
#ifndef FIXTURE_RECORD_ADDED_H
#define FIXTURE_RECORD_ADDED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct a {
	__u32 x;
};

#endif /* FIXTURE_RECORD_ADDED_H */
