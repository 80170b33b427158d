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

#endif /* FIXTURE_COUNTER_MOVED_H */
