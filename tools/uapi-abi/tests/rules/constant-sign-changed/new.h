/* Fixture for the `constant-sign-changed` rule (new side). */
#ifndef FIXTURE_CONSTANT_SIGN_CHANGED_H
#define FIXTURE_CONSTANT_SIGN_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FIXTURE_EPOLLET (1U << 31)
#define FIXTURE_OTHER (1U << 29)

#endif /* FIXTURE_CONSTANT_SIGN_CHANGED_H */
