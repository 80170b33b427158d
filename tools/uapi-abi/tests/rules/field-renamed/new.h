/* Fixture for the `field-renamed` rule (new side). */
#ifndef FIXTURE_FIELD_RENAMED_H
#define FIXTURE_FIELD_RENAMED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct n {
	__u32 nr;
	__u32 flags;
};

#endif /* FIXTURE_FIELD_RENAMED_H */
