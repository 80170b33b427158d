/* Fixture for the `record-tail-extension` rule (old side). */
#ifndef FIXTURE_RECORD_TAIL_EXTENSION_H
#define FIXTURE_RECORD_TAIL_EXTENSION_H

#include <linux/types.h>
#include <linux/ioctl.h>

struct ext {
	__u32 argsz;
	__u32 flags;
};
#define EXT_GET _IO('x', 1)

/* Size carried by a `size` second member (perf_event_attr), and out of band (getsockopt's
 * optlen for tcp_info, from the knowledge base). */
struct attr_like {
	__u32 type;
	__u32 size;
	__u64 config;
};

struct tcp_info {
	__u8 tcpi_state;
	__u8 tcpi_pad[3];
	__u32 tcpi_rto;
};

/* The argument of a DRM ioctl ('d'): drm_ioctl() dispatches on nr and zero-fills, so the size in
 * the number may change. */
struct drm_fixture_op {
	__u32 handle;
	__u32 op;
};
#define DRM_IOCTL_BASE 'd'
#define DRM_IOWR(nr, type) _IOWR(DRM_IOCTL_BASE, nr, type)
#define DRM_IOCTL_FIXTURE_OP DRM_IOWR(0x40, struct drm_fixture_op)

/* A size carrier whose last member, an array, gains elements. */
struct len_array {
	__u32 size;
	__u32 words[2];
};

#endif /* FIXTURE_RECORD_TAIL_EXTENSION_H */
