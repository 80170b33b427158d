/* Fixture for the `trailing-array-respelled` rule (old side). */
#ifndef FIXTURE_TRAILING_ARRAY_RESPELLED_H
#define FIXTURE_TRAILING_ARRAY_RESPELLED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct string_desc {
	__u8 bLength;
	__u8 bDescriptorType;
	__le16 wData[1];
} __attribute__ ((packed));

#endif /* FIXTURE_TRAILING_ARRAY_RESPELLED_H */
