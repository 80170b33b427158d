/* Fixture for the `constant-renamed` rule (old side). */
#ifndef FIXTURE_CONSTANT_RENAMED_H
#define FIXTURE_CONSTANT_RENAMED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define VFIO_TYPE1_NESTING_IOMMU 6

#endif /* FIXTURE_CONSTANT_RENAMED_H */
