/* Fixture for the `constant-removed` rule (old side). */
#ifndef FIXTURE_CONSTANT_REMOVED_H
#define FIXTURE_CONSTANT_REMOVED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FEATURE_A 1
#define FEATURE_B 2

/* Guards coordinate headers; removing them breaks no program. */
#define __UAPI_DEF_FIXTURE_THING 1
#define _ASM_FIXTURE_OTHER_H 1

#endif /* FIXTURE_CONSTANT_REMOVED_H */
