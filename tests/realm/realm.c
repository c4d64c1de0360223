/*
 * Test helper: start/stop a throwaway realm with krb5-realm.sh.  See realm.h.
 */

#define _GNU_SOURCE /* pipe2 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/realm/realm.h"

#ifndef SW_REALM_SCRIPT_PATH
#define SW_REALM_SCRIPT_PATH "tests/realm/krb5-realm.sh"
#endif

static const char *
script_path(void)
{
	const char *s = getenv("SW_REALM_SCRIPT");

	return (s != NULL && s[0] != '\0') ? s : SW_REALM_SCRIPT_PATH;
}

/* Run `script CMD DIR` and wait for it.  @return its exit status, or -errno. */
static int
run_script(const char *cmd, const char *dir)
{
	const char *script = script_path();
	pid_t pid;
	int st;

	if (access(script, X_OK) != 0)
		return -ENOENT;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl(script, script, cmd, dir, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (!WIFEXITED(st))
		return -EIO;
	return WEXITSTATUS(st);
}

/*
 * Start `script watch DIR` in its own session with stdin = the read end of a
 * pipe whose only write end this process keeps (close-on-exec, so no other
 * child inherits it).
 */
static int
start_reaper(struct sw_test_realm *r)
{
	const char *script = script_path();
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		/* Own session: a process-group kill of the test must not take the reaper along. */
		(void)setsid();
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		execl(script, script, "watch", r->dir, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	r->reaper = pid;
	r->reaper_fd = fds[1];
	return 0;
}

/* Parse DIR/env: lines `export NAME='VALUE'` (the only form krb5-realm.sh writes). */
static int
load_env(const char *dir)
{
	char path[512], line[1024];
	FILE *f;
	int n = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/env", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *name, *eq, *val, *end;

		if (strncmp(line, "export ", 7) != 0)
			continue;
		name = line + 7;
		eq = strchr(name, '=');
		if (eq == NULL || eq[1] != '\'')
			continue;
		*eq = '\0';
		val = eq + 2;
		end = strrchr(val, '\'');
		if (end == NULL)
			continue;
		*end = '\0';
		if (setenv(name, val, 1) != 0) {
			fclose(f);
			return -errno;
		}
		n++;
	}
	fclose(f);
	return n > 0 ? 0 : -EINVAL;
}

int
sw_test_realm_start(struct sw_test_realm *r)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	r->dir[0] = '\0';
	r->reaper = 0;
	r->reaper_fd = -1;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(r->dir, sizeof(r->dir), "%s/sw-realm-XXXXXX", tmp) >= sizeof(r->dir))
		return -ENAMETOOLONG;
	if (mkdtemp(r->dir) == NULL) {
		r->dir[0] = '\0';
		return -errno;
	}
	rc = start_reaper(r);
	if (rc != 0) {
		rmdir(r->dir);
		r->dir[0] = '\0';
		return rc;
	}
	rc = run_script("start", r->dir);
	if (rc < 0)
		goto fail;
	if (rc != 0) {
		rc = rc == 127 ? -ENOENT : -EIO;
		goto fail;
	}
	rc = load_env(r->dir);
	if (rc != 0)
		goto fail;
	return 0;

fail:
	sw_test_realm_stop(r);
	return rc;
}

void
sw_test_realm_stop(struct sw_test_realm *r)
{
	int st;

	if (r->dir[0] != '\0')
		(void)run_script("stop", r->dir);
	if (r->reaper_fd >= 0) {
		close(r->reaper_fd); /* EOF: the reaper stops (no-op now) and removes DIR */
		r->reaper_fd = -1;
	}
	if (r->reaper > 0) {
		while (waitpid(r->reaper, &st, 0) < 0 && errno == EINTR)
			;
		r->reaper = 0;
	}
	r->dir[0] = '\0';
}

char *
sw_test_realm_path(const struct sw_test_realm *r, const char *name, char *buf, size_t cap)
{
	if ((size_t)snprintf(buf, cap, "%s/%s", r->dir, name) >= cap)
		return NULL;
	return buf;
}
