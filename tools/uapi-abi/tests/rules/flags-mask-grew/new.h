/* Fixture for the `flags-mask-grew` rule (new side). */
#ifndef FIXTURE_FLAGS_MASK_GREW_H
#define FIXTURE_FLAGS_MASK_GREW_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FIXTURE_RWF_SUPPORTED 0x7f
#define FIXTURE_TABLE_F_MASK 0x7
#define FIXTURE_VALID_FLAGS 0x1f
#define FIXTURE_SHRUNK_MASK 0x7

#endif /* FIXTURE_FLAGS_MASK_GREW_H */
