/* Fixture for the `constant-sign-changed` rule (old side). */
#ifndef FIXTURE_CONSTANT_SIGN_CHANGED_H
#define FIXTURE_CONSTANT_SIGN_CHANGED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FIXTURE_EPOLLET (1 << 31)
#define FIXTURE_OTHER (1 << 30)

#endif /* FIXTURE_CONSTANT_SIGN_CHANGED_H */
