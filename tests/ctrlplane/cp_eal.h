#ifndef SW_CP_EAL_H
#define SW_CP_EAL_H

/*
 * EAL for the control-plane tests: no hugepages, no devices, no telemetry,
 * 256 MB, a file prefix per process so parallel test binaries never clash
 * (--in-memory cannot be combined with --no-huge).
 */

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

static inline int
tc_eal_init(const char *argv0, const char *lcores)
{
	static char store[12][64];
	static const char *const args[] = {NULL,       "--no-huge",	 "-m",	 "256",
					   "--no-pci", "--no-telemetry", NULL,	 "--lcores",
					   NULL,       "--log-level",	 "error"};
	char *argv[12];
	int i, n = (int)(sizeof(args) / sizeof(args[0]));

	for (i = 0; i < n; i++) {
		const char *a = i == 0 ? argv0 : i == 8 ? lcores : args[i];

		if (i == 6)
			snprintf(store[i], sizeof(store[i]), "--file-prefix=sw_tc_%d",
				 (int)getpid());
		else
			snprintf(store[i], sizeof(store[i]), "%s", a);
		argv[i] = store[i];
	}
	return rte_eal_init(n, argv);
}

/* rte_eal_cleanup(), then remove this process's runtime directory
 * (/var/run/dpdk/<prefix>: a few flat files), which the EAL leaves behind. */
static inline void
tc_eal_cleanup(void)
{
	char dir[512], path[1024];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (strstr(dir, "sw_") == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

#endif /* SW_CP_EAL_H */
