/* Fixture for the `counter-moved` rule (old side). */
#ifndef FIXTURE_COUNTER_MOVED_H
#define FIXTURE_COUNTER_MOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

enum irq {
	IRQ_A,
	IRQ_B,
	IRQ_NUM_IRQS
};

/* Counters the *_MAX/*_NUM patterns missed: NUM_*, MAX_*, *_END, *_NBITS, _NR_, __*MAX, and a
 * private end marker that moved because an enumerator was added before it. The renumbered
 * enumerator (IPSTATS_MIB_* style) stays a constant-changed break. */
#define NUM_FIX_ATTR 326
#define MAX_FIX_ATTACH_TYPE 44
#define FIX_TRANSPORT_F_END 41
#define __FIX_LINK_MODE_MASK_NBITS 93
#define FIX_NR_MSGTYPES 10
#define __FIX_MIB_XFRMMAX 29

enum fix_meta {
	FIX_META_A,
	FIX_META_B,
	__FIX_META_END_MARK,
};

enum fix_mib {
	FIX_MIB_NUM = 0,
	FIX_MIB_INPKTS,
	FIX_MIB_OUTPKTS,
};

#endif /* FIXTURE_COUNTER_MOVED_H */
