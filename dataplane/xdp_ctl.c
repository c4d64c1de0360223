/*
 * Fill the sip_ports map of the XDP program net_af_xdp attached.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dataplane/xdp_ctl.h"

int
sw_xdp_set_sip_port(int ifindex, uint16_t port)
{
	struct bpf_prog_info pinfo;
	uint32_t map_ids[16], prog_id = 0, len, i;
	int pfd, ret = -ENOENT;
	uint8_t one = 1;

	if (bpf_xdp_query_id(ifindex, 0, &prog_id) != 0 || prog_id == 0)
		return -ENOENT;
	pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return -errno;
	memset(&pinfo, 0, sizeof(pinfo));
	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (uint64_t)(uintptr_t)map_ids;
	len = sizeof(pinfo);
	if (bpf_obj_get_info_by_fd(pfd, &pinfo, &len) != 0) {
		ret = -errno;
		goto out;
	}
	for (i = 0; i < pinfo.nr_map_ids && i < 16; i++) {
		struct bpf_map_info minfo;
		uint32_t mlen = sizeof(minfo);
		int mfd = bpf_map_get_fd_by_id(map_ids[i]);

		if (mfd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		if (bpf_obj_get_info_by_fd(mfd, &minfo, &mlen) == 0 &&
		    strcmp(minfo.name, "sip_ports") == 0) {
			ret = bpf_map_update_elem(mfd, &port, &one, BPF_ANY) == 0 ? 0 : -errno;
			close(mfd);
			break;
		}
		close(mfd);
	}
out:
	close(pfd);
	return ret;
}
