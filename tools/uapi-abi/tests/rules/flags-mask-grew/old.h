/* Fixture for the `flags-mask-grew` rule (old side). */
#ifndef FIXTURE_FLAGS_MASK_GREW_H
#define FIXTURE_FLAGS_MASK_GREW_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FIXTURE_RWF_SUPPORTED 0x1f
#define FIXTURE_TABLE_F_MASK 0x3
#define FIXTURE_VALID_FLAGS 0xf
#define FIXTURE_SHRUNK_MASK 0xf

#endif /* FIXTURE_FLAGS_MASK_GREW_H */
