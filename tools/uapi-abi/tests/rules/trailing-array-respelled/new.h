/* Fixture for the `trailing-array-respelled` rule (new side). */
#ifndef FIXTURE_TRAILING_ARRAY_RESPELLED_H
#define FIXTURE_TRAILING_ARRAY_RESPELLED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct string_desc {
	__u8 bLength;
	__u8 bDescriptorType;
	union {
		__le16 legacy_padding;
		struct {
			struct { } __empty_wData;
			__le16 wData[];
		};
	};
} __attribute__ ((packed));

#endif /* FIXTURE_TRAILING_ARRAY_RESPELLED_H */
