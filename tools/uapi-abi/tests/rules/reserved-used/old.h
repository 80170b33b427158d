/* Fixture for the `reserved-used` rule (old side). */
#ifndef FIXTURE_RESERVED_USED_H
#define FIXTURE_RESERVED_USED_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct rs {
	__u32 argsz;
	__u32 flags;
	__u32 reserved[2];
};

/* Reserved space however named: `__align` (sed-opal.h), a reserved bitfield giving bits up
 * (perf_event_attr's __reserved_1, tcphdr's res1), a reserved member becoming bitfields. */
struct key_like {
	__u8 key[2];
	__u8 __align[6];
};

struct bits_like {
	__u64 disabled : 1,
	      __reserved_1 : 63;
	__u32 __reserved_3;
};

struct session_like {
	__u32 who;
	struct key_like opal_key;
};

struct outer_like {
	struct session_like session;
	__u32 flags;
};

#endif /* FIXTURE_RESERVED_USED_H */
