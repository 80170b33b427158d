/* Fixture for the `counter-moved` rule (new side). */
#ifndef FIXTURE_COUNTER_MOVED_H
#define FIXTURE_COUNTER_MOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

enum irq {
	IRQ_A,
	IRQ_B,
	IRQ_C,
	IRQ_NUM_IRQS
};

/* Counters the *_MAX/*_NUM patterns missed: NUM_*, MAX_*, *_END, *_NBITS, _NR_, __*MAX, and a
 * private end marker that moved because an enumerator was added before it. The renumbered
 * enumerator (IPSTATS_MIB_* style) stays a constant-changed break. */
#define NUM_FIX_ATTR 334
#define MAX_FIX_ATTACH_TYPE 57
#define FIX_TRANSPORT_F_END 42
#define __FIX_LINK_MODE_MASK_NBITS 103
#define FIX_NR_MSGTYPES 11
#define __FIX_MIB_XFRMMAX 31

enum fix_meta {
	FIX_META_A,
	FIX_META_B,
	FIX_META_C,
	__FIX_META_END_MARK,
};

enum fix_mib {
	FIX_MIB_NUM = 0,
	FIX_MIB_EXTRA,
	FIX_MIB_INPKTS,
	FIX_MIB_OUTPKTS,
};

#endif /* FIXTURE_COUNTER_MOVED_H */
