/*
 * NTLM account table: NT hashes from gss-ntlmssp / smbpasswd files, sorted
 * by folded (domain, user) for binary search.  See ntlm_users.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/prim.h"
#include "ctrlplane/ntlm_priv.h"
#include "ctrlplane/ntlm_users.h"

struct entry {
	char *dkey; /* upper-cased domain, "" for the wildcard */
	char *ukey; /* upper-cased user */
	struct sw_ntlm_account a;
	int src; /* index into sw_ntlm_users.src, -1 when added directly */
};

struct source {
	char *path;
	char *domain;
};

struct sw_ntlm_users {
	struct entry **e; /* sorted by (dkey, ukey) */
	size_t n;
	struct source *src;
	size_t nsrc;
};

/* A table under construction: pointers, some shared with the live table. */
struct build {
	struct entry **e;
	size_t n, cap;
};

static void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	sw_prim_wipe(e->a.nt_hash, sizeof(e->a.nt_hash));
	free(e->dkey); /* one allocation holds all four strings */
	free(e);
}

static int
fold(const char *in, char *out, size_t cap)
{
	uint8_t u16[2 * SW_NTLM_ACCT_NAME_MAX];
	int n;

	n = sw_ntlm_utf8_to_u16(in, strlen(in), u16, sizeof(u16), 1);
	if (n < 0)
		return n == -ENOSPC ? -ENAMETOOLONG : n;
	n = sw_ntlm_u16_to_utf8(u16, (size_t)n, out, cap, 0);
	return n < 0 ? (n == -ENOSPC ? -ENAMETOOLONG : n) : 0;
}

static int
entry_new(const char *domain, const char *user, const uint8_t hash[16], bool disabled, int src,
	  struct entry **out)
{
	char dk[4 * SW_NTLM_ACCT_NAME_MAX + 1], uk[4 * SW_NTLM_ACCT_NAME_MAX + 1];
	size_t dl = strlen(domain), ul = strlen(user), dkl, ukl;
	struct entry *e;
	char *mem;
	int rc;

	*out = NULL;
	if (ul == 0)
		return -EINVAL;
	if (dl > SW_NTLM_ACCT_NAME_MAX || ul > SW_NTLM_ACCT_NAME_MAX)
		return -ENAMETOOLONG;
	if ((rc = fold(domain, dk, sizeof(dk))) != 0 || (rc = fold(user, uk, sizeof(uk))) != 0)
		return rc;
	dkl = strlen(dk);
	ukl = strlen(uk);
	e = calloc(1, sizeof(*e));
	mem = malloc(dkl + ukl + dl + ul + 4);
	if (e == NULL || mem == NULL) {
		free(e);
		free(mem);
		return -ENOMEM;
	}
	e->dkey = mem;
	memcpy(e->dkey, dk, dkl + 1);
	e->ukey = e->dkey + dkl + 1;
	memcpy(e->ukey, uk, ukl + 1);
	e->a.domain = e->ukey + ukl + 1;
	memcpy((char *)(uintptr_t)e->a.domain, domain, dl + 1);
	e->a.user = e->a.domain + dl + 1;
	memcpy((char *)(uintptr_t)e->a.user, user, ul + 1);
	memcpy(e->a.nt_hash, hash, 16);
	e->a.disabled = disabled;
	e->src = src;
	*out = e;
	return 0;
}

static int
build_push(struct build *b, struct entry *e)
{
	if (b->n == b->cap) {
		size_t cap = b->cap == 0 ? 64 : 2 * b->cap;
		struct entry **p = realloc(b->e, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		b->e = p;
		b->cap = cap;
	}
	b->e[b->n++] = e;
	return 0;
}

static int
cmp_keys(const char *d1, const char *u1, const char *d2, const char *u2)
{
	int c = strcmp(d1, d2);

	return c != 0 ? c : strcmp(u1, u2);
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	return cmp_keys(x->dkey, x->ukey, y->dkey, y->ukey);
}

/* Sort and reject duplicates. */
static int
build_finish(struct build *b)
{
	size_t i;

	if (b->n > 1)
		qsort(b->e, b->n, sizeof(*b->e), cmp_entry);
	for (i = 1; i < b->n; i++) {
		if (cmp_entry(&b->e[i - 1], &b->e[i]) == 0)
			return -EEXIST;
	}
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sw_ntlm_nt_hash(const char *password, size_t len, uint8_t out[16])
{
	uint8_t *u16;
	int n, rc;

	if (password == NULL && len != 0)
		return -EINVAL;
	if (len > 4096)
		return -EINVAL;
	u16 = malloc(2 * len + 2);
	if (u16 == NULL)
		return -ENOMEM;
	n = sw_ntlm_utf8_to_u16(password, len, u16, 2 * len + 2, 0);
	rc = n < 0 ? n : sw_prim_md4(u16, (size_t)n, out);
	sw_prim_wipe(u16, 2 * len + 2);
	free(u16);
	return rc;
}

/* smbpasswd's bracketed account flags (Samba pdb_decode_acct_ctrl). */
static bool
smb_flags_disabled(const char *f)
{
	if (*f != '[')
		return false;
	for (f++; *f != '\0' && *f != ']'; f++) {
		switch (*f) {
		case 'D': /* disabled */
		case 'L': /* auto-locked */
		case 'N': /* no password required */
		case 'W': /* workstation trust */
		case 'S': /* server trust */
		case 'I': /* interdomain trust */
			return true;
		default:
			break;
		}
	}
	return false;
}

/* One line (NUL-terminated, no newline).  *e is NULL for a skipped line. */
static int
parse_line(char *line, const char *def_domain, int src, struct entry **e)
{
	char *f[6] = {NULL};
	unsigned int nf = 0;
	uint8_t hash[16];
	const char *dom, *usr;
	bool disabled = false;
	char *p = line;
	int rc;

	*e = NULL;
	if (*line == '#' || *line == '\0')
		return 0;
	f[nf++] = p;
	while (nf < 6 && (p = strchr(p, ':')) != NULL) {
		*p++ = '\0';
		f[nf++] = p;
	}
	if (nf < 3)
		return -EINVAL;
	if (nf == 3) {
		/* Heimdal: DOMAIN:USER:PASSWORD. */
		dom = f[0];
		usr = f[1];
		rc = sw_ntlm_nt_hash(f[2], strlen(f[2]), hash);
		if (rc != 0)
			return rc;
	} else {
		/* smbpasswd: USER:UID:LM:NT:[FLAGS]:... (NT must be ':'-terminated). */
		char *bs;
		size_t i;

		if (nf < 5)
			return -EINVAL;
		usr = f[0];
		dom = def_domain != NULL ? def_domain : "";
		bs = strchr(f[0], '\\');
		if (bs != NULL) {
			*bs = '\0';
			dom = f[0];
			usr = bs + 1;
		}
		if (strlen(f[3]) != 32)
			return -EINVAL;
		if (strspn(f[3], "X") == 32) {
			memset(hash, 0, sizeof(hash));
			disabled = true;
		} else {
			for (i = 0; i < 16; i++) {
				int hi = hexval(f[3][2 * i]), lo = hexval(f[3][2 * i + 1]);

				if (hi < 0 || lo < 0)
					return -EINVAL;
				hash[i] = (uint8_t)(hi << 4 | lo);
			}
		}
		if (smb_flags_disabled(f[4]))
			disabled = true;
	}
	rc = entry_new(dom, usr, hash, disabled, src, e);
	sw_prim_wipe(hash, sizeof(hash));
	return rc;
}

/* Read @p path and push its entries onto @p b. */
static int
read_source(struct build *b, const char *path, const char *domain, int src, unsigned int *bad_line)
{
	struct stat st;
	char *buf = NULL, *line, *nl;
	size_t size = 0, got = 0;
	unsigned int lineno = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto cleanup;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > SW_NTLM_USERS_FILE_MAX) {
		rc = -EFBIG;
		goto cleanup;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			goto cleanup;
		}
		got += (size_t)r;
	}
	buf[size] = '\0';
	if (memchr(buf, '\0', size) != NULL) {
		rc = -EINVAL;
		goto cleanup;
	}
	for (line = buf; line < buf + size; line = nl + 1) {
		struct entry *e;
		size_t l;

		lineno++;
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = buf + size;
		*nl = '\0';
		l = (size_t)(nl - line);
		if (l > 0 && line[l - 1] == '\r')
			line[--l] = '\0';
		rc = parse_line(line, domain, src, &e);
		if (rc == 0 && e != NULL && (rc = build_push(b, e)) != 0)
			entry_free(e);
		if (rc != 0) {
			if (bad_line != NULL && rc != -ENOMEM)
				*bad_line = lineno;
			goto cleanup;
		}
	}

cleanup:
	if (buf != NULL) {
		sw_prim_wipe(buf, size + 1); /* passwords */
		free(buf);
	}
	close(fd);
	return rc;
}

int
sw_ntlm_users_create(struct sw_ntlm_users **out)
{
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? -ENOMEM : 0;
}

void
sw_ntlm_users_free(struct sw_ntlm_users *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->n; i++)
		entry_free(u->e[i]);
	free(u->e);
	for (i = 0; i < u->nsrc; i++) {
		free(u->src[i].path);
		free(u->src[i].domain);
	}
	free(u->src);
	free(u);
}

/* Start a build holding the live entries selected by @p keep_files. */
static int
build_from(struct build *b, const struct sw_ntlm_users *u, bool keep_files)
{
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < u->n; i++) {
		if (!keep_files && u->e[i]->src >= 0)
			continue;
		if (build_push(b, u->e[i]) != 0) {
			free(b->e);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Install @p b as the table; free live entries that @p b does not hold. */
static void
install(struct sw_ntlm_users *u, struct build *b, bool drop_files)
{
	size_t i;

	if (drop_files) {
		for (i = 0; i < u->n; i++) {
			if (u->e[i]->src >= 0)
				entry_free(u->e[i]);
		}
	}
	free(u->e);
	u->e = b->e;
	u->n = b->n;
	b->e = NULL;
}

int
sw_ntlm_users_load(struct sw_ntlm_users *u, const char *path, const char *domain,
		   unsigned int *bad_line)
{
	struct build b;
	struct source *ns;
	int rc;

	if (bad_line != NULL)
		*bad_line = 0;
	if (u == NULL || path == NULL)
		return -EINVAL;
	ns = realloc(u->src, (u->nsrc + 1) * sizeof(*ns));
	if (ns == NULL)
		return -ENOMEM;
	u->src = ns;
	ns[u->nsrc].path = strdup(path);
	ns[u->nsrc].domain = strdup(domain != NULL ? domain : "");
	if (ns[u->nsrc].path == NULL || ns[u->nsrc].domain == NULL) {
		free(ns[u->nsrc].path);
		free(ns[u->nsrc].domain);
		return -ENOMEM;
	}
	if (build_from(&b, u, true) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = read_source(&b, path, ns[u->nsrc].domain, (int)u->nsrc, bad_line);
	if (rc == 0)
		rc = build_finish(&b);
	if (rc != 0) {
		/* Entries are sorted now: free by source index, not by position. */
		for (size_t i = 0; i < b.n; i++) {
			if (b.e[i]->src == (int)u->nsrc)
				entry_free(b.e[i]);
		}
		free(b.e);
		goto fail;
	}
	install(u, &b, false);
	u->nsrc++;
	return 0;

fail:
	free(ns[u->nsrc].path);
	free(ns[u->nsrc].domain);
	return rc;
}

int
sw_ntlm_users_reload(struct sw_ntlm_users *u, unsigned int *bad_line)
{
	struct build b;
	size_t i;
	int rc = 0;

	if (bad_line != NULL)
		*bad_line = 0;
	if (u == NULL)
		return -EINVAL;
	if (build_from(&b, u, false) != 0)
		return -ENOMEM;
	for (i = 0; i < u->nsrc && rc == 0; i++)
		rc = read_source(&b, u->src[i].path, u->src[i].domain, (int)i, bad_line);
	if (rc == 0)
		rc = build_finish(&b);
	if (rc != 0) {
		for (i = 0; i < b.n; i++) {
			if (b.e[i]->src >= 0)
				entry_free(b.e[i]);
		}
		free(b.e);
		return rc;
	}
	install(u, &b, true);
	return 0;
}

int
sw_ntlm_users_add(struct sw_ntlm_users *u, const char *domain, const char *user,
		  const uint8_t nt_hash[16], bool disabled)
{
	struct build b;
	struct entry *e;
	int rc;

	if (u == NULL || user == NULL || nt_hash == NULL)
		return -EINVAL;
	rc = entry_new(domain != NULL ? domain : "", user, nt_hash, disabled, -1, &e);
	if (rc != 0)
		return rc;
	if (build_from(&b, u, true) != 0 || build_push(&b, e) != 0) {
		free(b.e);
		entry_free(e);
		return -ENOMEM;
	}
	rc = build_finish(&b);
	if (rc != 0) {
		free(b.e);
		entry_free(e);
		return rc;
	}
	install(u, &b, false);
	return 0;
}

static const struct entry *
lookup(const struct sw_ntlm_users *u, const char *dkey, const char *ukey)
{
	size_t lo = 0, hi = u->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_keys(dkey, ukey, u->e[mid]->dkey, u->e[mid]->ukey);

		if (c == 0)
			return u->e[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct sw_ntlm_account *
sw_ntlm_users_find(const struct sw_ntlm_users *u, const char *domain, const char *user)
{
	char dk[4 * SW_NTLM_ACCT_NAME_MAX + 1], uk[4 * SW_NTLM_ACCT_NAME_MAX + 1];
	const struct entry *e;

	if (u == NULL || user == NULL || user[0] == '\0')
		return NULL;
	if (domain == NULL)
		domain = "";
	if (strlen(domain) > SW_NTLM_ACCT_NAME_MAX || strlen(user) > SW_NTLM_ACCT_NAME_MAX)
		return NULL;
	if (fold(domain, dk, sizeof(dk)) != 0 || fold(user, uk, sizeof(uk)) != 0)
		return NULL;
	e = lookup(u, dk, uk);
	if (e == NULL && dk[0] != '\0')
		e = lookup(u, "", uk);
	return e != NULL ? &e->a : NULL;
}

size_t
sw_ntlm_users_count(const struct sw_ntlm_users *u)
{
	return u != NULL ? u->n : 0;
}
