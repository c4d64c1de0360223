/*
 * Principal -> SIP URI map (see idmap.h).  The file is read into one string
 * arena, the entries are sorted by key and looked up with bsearch(); NTLM
 * keys are stored lower-cased so that lookups fold case the same way.
 */

#define _GNU_SOURCE /* qsort_r */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlplane/idmap.h"
#include "dataplane/sa_verify.h"

struct entry {
	uint32_t key;  /* arena offset of the NUL-terminated key */
	uint32_t line; /* for the duplicate message */
	uint32_t aor0; /* first of its AORs in m->aors */
	uint8_t n_aor;
};

struct sw_idmap {
	char *arena; /* keys and canonical AORs, NUL-terminated */
	size_t arena_len, arena_cap;
	struct entry *ents;
	uint32_t n_ents, cap_ents;
	struct sw_idmap_aor *aors; /* p are arena offsets until the load completes */
	uint32_t n_aors, cap_aors;
};

static int __attribute__((format(printf, 5, 6)))
fail(const char *path, unsigned int line, char *err, size_t err_len, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err != NULL && err_len != 0)
		snprintf(err, err_len, "%s:%u: %s", path, line, msg);
	return -EINVAL;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Append @p n bytes and a NUL; @return the offset or -ENOMEM. */
static int64_t
arena_put(struct sw_idmap *m, const char *s, size_t n)
{
	size_t off = m->arena_len;

	if (m->arena_len + n + 1 > m->arena_cap) {
		size_t cap = m->arena_cap != 0 ? m->arena_cap * 2 : 65536;
		char *a;

		while (cap < m->arena_len + n + 1)
			cap *= 2;
		a = realloc(m->arena, cap);
		if (a == NULL)
			return -ENOMEM;
		m->arena = a;
		m->arena_cap = cap;
	}
	memcpy(m->arena + off, s, n);
	m->arena[off + n] = '\0';
	m->arena_len += n + 1;
	return (int64_t)off;
}

static int
grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t c;
	void *q;

	if (need <= *cap)
		return 0;
	c = *cap != 0 ? *cap * 2 : 1024;
	while (c < need)
		c *= 2;
	q = realloc(*p, (size_t)c * elem);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/*
 * "user@REALM" (Kerberos: kept as is) or "DOMAIN\user" (NTLM: lower-cased
 * into @p key).  @return the key length, or -EINVAL.
 */
static int
principal_key(const char *s, size_t n, char *key)
{
	const char *bs = memchr(s, '\\', n), *at;
	size_t i;

	if (n == 0 || n > SW_IDMAP_NAME_MAX)
		return -EINVAL;
	if (bs != NULL) {
		if (bs == s || bs == s + n - 1 || memchr(bs + 1, '\\', n - (size_t)(bs - s) - 1))
			return -EINVAL;
		for (i = 0; i < n; i++)
			key[i] = lower(s[i]);
		key[n] = '\0';
		return (int)n;
	}
	at = NULL;
	for (i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (at == NULL || at == s || at == s + n - 1)
		return -EINVAL;
	memcpy(key, s, n);
	key[n] = '\0';
	return (int)n;
}

/* Lookup form of @p principal (see principal_key()); -EINVAL if too long. */
int
sw_idmap_key(const char *p, char *key)
{
	size_t n = strlen(p), i;
	bool ntlm = memchr(p, '\\', n) != NULL;

	if (n == 0 || n > SW_IDMAP_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		key[i] = ntlm ? lower(p[i]) : p[i];
	key[n] = '\0';
	return 0;
}

static int
cmp_ent(const void *a, const void *b, void *arena)
{
	const struct entry *x = a, *y = b;

	return strcmp((const char *)arena + x->key, (const char *)arena + y->key);
}

/* One line's fields into @p m.  @return 0 or -EINVAL (reason in @p why). */
static int
parse_line(struct sw_idmap *m, char *s, unsigned int line, const char **why, char *whybuf,
	   size_t whycap)
{
	char key[SW_IDMAP_NAME_MAX + 1], canon[SW_SA_AOR_LEN_MAX + 1];
	char *tok[SW_SA_AOR_MAX + 2];
	unsigned int nt = 0, i, j;
	struct entry *e;
	int64_t off;
	int kl, cl;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (nt == SW_SA_AOR_MAX + 1) {
			snprintf(whybuf, whycap, "more than %u SIP URIs for one principal",
				 SW_SA_AOR_MAX);
			*why = whybuf;
			return -EINVAL;
		}
		tok[nt++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	if (nt == 0)
		return 0; /* blank or comment */
	kl = principal_key(tok[0], strlen(tok[0]), key);
	if (kl < 0) {
		snprintf(whybuf, whycap, "'%.64s': expected a principal user@REALM or DOMAIN\\user",
			 tok[0]);
		*why = whybuf;
		return -EINVAL;
	}
	if (nt == 1) {
		snprintf(whybuf, whycap, "'%.64s' has no SIP URI", tok[0]);
		*why = whybuf;
		return -EINVAL;
	}
	if (m->n_ents == SW_IDMAP_ENTRIES_MAX) {
		snprintf(whybuf, whycap, "more than %u entries", SW_IDMAP_ENTRIES_MAX);
		*why = whybuf;
		return -EINVAL;
	}
	if (grow((void **)&m->ents, &m->cap_ents, m->n_ents + 1, sizeof(*m->ents)) != 0 ||
	    grow((void **)&m->aors, &m->cap_aors, m->n_aors + nt, sizeof(*m->aors)) != 0)
		return -ENOMEM;
	off = arena_put(m, key, (size_t)kl);
	if (off < 0)
		return -ENOMEM;
	e = &m->ents[m->n_ents];
	e->key = (uint32_t)off;
	e->line = line;
	e->aor0 = m->n_aors;
	e->n_aor = 0;
	for (i = 1; i < nt; i++) {
		cl = sw_sa_aor_canon(tok[i], strlen(tok[i]), canon, sizeof(canon));
		if (cl < 0) {
			snprintf(whybuf, whycap,
				 cl == -ENAMETOOLONG
					 ? "'%.64s...': SIP URI longer than %u bytes"
					 : "'%.64s': expected a sip: or sips: URI with a user part",
				 tok[i], SW_SA_AOR_LEN_MAX);
			*why = whybuf;
			return -EINVAL;
		}
		for (j = e->aor0; j < m->n_aors; j++)
			if (m->aors[j].len == (uint16_t)cl &&
			    memcmp(m->arena + (uintptr_t)m->aors[j].p, canon, (size_t)cl) == 0) {
				snprintf(whybuf, whycap, "'%.64s' listed twice for '%.64s'", tok[i],
					 tok[0]);
				*why = whybuf;
				return -EINVAL;
			}
		off = arena_put(m, canon, (size_t)cl);
		if (off < 0)
			return -ENOMEM;
		/* An offset until the arena stops moving; made a pointer at the end. */
		m->aors[m->n_aors].p = (const char *)(uintptr_t)off;
		m->aors[m->n_aors].len = (uint16_t)cl;
		m->n_aors++;
		e->n_aor++;
	}
	m->n_ents++;
	return 0;
}

int
sw_idmap_load(const char *path, struct sw_idmap **out, char *err, size_t err_len)
{
	char buf[SW_IDMAP_LINE_MAX + 3], whybuf[320];
	const char *why = NULL;
	struct sw_idmap *m = NULL; /* owner */
	unsigned int line = 0;
	uint32_t i;
	FILE *f = NULL;
	size_t n;
	int ret;

	if (out == NULL || path == NULL)
		return -EINVAL;
	*out = NULL;
	if (err != NULL && err_len != 0)
		err[0] = '\0';
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	f = fopen(path, "r");
	if (f == NULL) {
		ret = -errno;
		fail(path, 0, err, err_len, "cannot open: %s", strerror(errno));
		goto cleanup;
	}
	ret = 0;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		n = strlen(buf);
		if (n > 0 && buf[n - 1] == '\n') {
			buf[--n] = '\0';
			if (n > 0 && buf[n - 1] == '\r')
				buf[--n] = '\0';
		} else if (!feof(f)) {
			n = SW_IDMAP_LINE_MAX + 1; /* no line end within the buffer */
		}
		if (n > SW_IDMAP_LINE_MAX) {
			ret = fail(path, line, err, err_len, "line longer than %u bytes",
				   SW_IDMAP_LINE_MAX);
			goto cleanup;
		}
		ret = parse_line(m, buf, line, &why, whybuf, sizeof(whybuf));
		if (ret == -ENOMEM) {
			fail(path, line, err, err_len, "out of memory");
			goto cleanup;
		}
		if (ret != 0) {
			ret = fail(path, line, err, err_len, "%s", why);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		ret = fail(path, line, err, err_len, "read error");
		goto cleanup;
	}
	/* The arena is final: offsets become pointers. */
	for (i = 0; i < m->n_aors; i++)
		m->aors[i].p = m->arena + (uintptr_t)m->aors[i].p;
	if (m->n_ents > 1)
		qsort_r(m->ents, m->n_ents, sizeof(*m->ents), cmp_ent, m->arena);
	for (i = 1; i < m->n_ents; i++)
		if (strcmp(m->arena + m->ents[i - 1].key, m->arena + m->ents[i].key) == 0) {
			const struct entry *a = &m->ents[i - 1], *b = &m->ents[i];

			ret = fail(path, a->line > b->line ? a->line : b->line, err, err_len,
				   "'%.64s' already mapped at line %u", m->arena + a->key,
				   a->line < b->line ? a->line : b->line);
			goto cleanup;
		}
	*out = m;
	m = NULL;
	ret = 0;

cleanup:
	if (f != NULL)
		fclose(f);
	sw_idmap_free(m);
	return ret;
}

void
sw_idmap_free(struct sw_idmap *m)
{
	if (m == NULL)
		return;
	free(m->arena);
	free(m->ents);
	free(m->aors);
	free(m);
}

uint32_t
sw_idmap_count(const struct sw_idmap *m)
{
	return m != NULL ? m->n_ents : 0;
}

unsigned int
sw_idmap_lookup(const struct sw_idmap *m, const char *principal, const struct sw_idmap_aor **aors)
{
	char key[SW_IDMAP_NAME_MAX + 1];
	uint32_t lo, hi, mid;
	int c;

	*aors = NULL;
	if (m == NULL || principal == NULL || sw_idmap_key(principal, key) != 0)
		return 0;
	lo = 0;
	hi = m->n_ents;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(key, m->arena + m->ents[mid].key);
		if (c == 0) {
			*aors = &m->aors[m->ents[mid].aor0];
			return m->ents[mid].n_aor;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

unsigned int
sw_idmap_entry(const struct sw_idmap *m, uint32_t i, const char **key,
	       const struct sw_idmap_aor **aors)
{
	*key = NULL;
	*aors = NULL;
	if (m == NULL || i >= m->n_ents)
		return 0;
	*key = m->arena + m->ents[i].key;
	*aors = &m->aors[m->ents[i].aor0];
	return m->ents[i].n_aor;
}
