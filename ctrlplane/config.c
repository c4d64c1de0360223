/*
 * sipwardd configuration: INI file read with DPDK's rte_cfgfile, validated
 * completely (DESIGN.md "Configuration"; README "Configuration").
 *
 * rte_cfgfile keeps no line numbers, so the file is first scanned here line
 * by line: the scan checks the syntax, finds duplicates and unknown
 * sections/keys, and remembers where each key is, so every error can say
 * "file:line: reason".  Values are then read through rte_cfgfile.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "ctrlplane/config.h"
#include "ctrlplane/idmap.h"

#define LINE_MAX_ 1024
#define KEYS_MAX 256

/* Where a key was seen. */
struct key_pos {
	char sect[CFG_NAME_LEN];
	char key[CFG_NAME_LEN];
	unsigned int line;
	bool used;
};

struct loader {
	const char *path;
	char *err;
	size_t err_len;
	struct key_pos keys[KEYS_MAX];
	unsigned int n_keys;
	char sects[32][CFG_NAME_LEN];
	unsigned int sect_line[32];
	unsigned int n_sects;
	struct rte_cfgfile *cf;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct loader *ld, unsigned int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->err != NULL && ld->err_len != 0)
		snprintf(ld->err, ld->err_len, "%s:%u: %s", ld->path, line, msg);
	return -EINVAL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Known sections and keys.  "interface.N" stands for every port N. */
static const char *const engine_keys[] = { "lcores", "mbufs", "drain_us", "idle_sleep_us", NULL };
static const char *const if_keys[] = { "address", "sip_port", "role", "exception", "tap",
				       "gateway", "mtu", NULL };
static const char *const up_keys[] = { "address", "port", "record_route", NULL };
static const char *const auth_keys[] = { "realm", "targetname", "schemes", "challenge",
					 "version", "require", "mutual", NULL };
static const char *const krb_keys[] = { "keytab", "service", NULL };
static const char *const ntlm_keys[] = { "users", "domain", NULL };
static const char *const id_keys[] = { "mode", "map", "domains", NULL };
static const char *const lim_keys[] = { "sa_max", "handshakes_max", "handshake_timeout",
					"ring_size", "reassembly", "challenge_rate",
					"challenge_burst", "handshake_rate", "handshake_burst",
					"cp_max_wait", "handshakes_per_source", NULL };

static const char *const *
keys_of(const char *sect)
{
	if (strcmp(sect, "engine") == 0)
		return engine_keys;
	if (strncmp(sect, "interface.", 10) == 0)
		return if_keys;
	if (strcmp(sect, "upstream") == 0)
		return up_keys;
	if (strcmp(sect, "auth") == 0)
		return auth_keys;
	if (strcmp(sect, "kerberos") == 0)
		return krb_keys;
	if (strcmp(sect, "ntlm") == 0)
		return ntlm_keys;
	if (strcmp(sect, "limits") == 0)
		return lim_keys;
	if (strcmp(sect, "identity") == 0)
		return id_keys;
	return NULL;
}

static int
parse_port_index(const char *sect, unsigned int *idx)
{
	char *end;
	unsigned long v;

	if (strncmp(sect, "interface.", 10) != 0 || !isdigit((unsigned char)sect[10]))
		return -EINVAL;
	errno = 0;
	v = strtoul(sect + 10, &end, 10);
	if (errno != 0 || *end != '\0' || v >= SW_CFG_PORTS_MAX)
		return -EINVAL;
	*idx = (unsigned int)v;
	return 0;
}

/* Pass 1: syntax, sections, keys, duplicates, line numbers. */
static int
scan(struct loader *ld)
{
	char buf[LINE_MAX_ + 2];
	char sect[CFG_NAME_LEN] = "";
	unsigned int line = 0, i;
	FILE *f;
	int ret = 0;

	f = fopen(ld->path, "r");
	if (f == NULL) {
		ret = -errno;
		snprintf(ld->err, ld->err_len, "%s:0: cannot open: %s", ld->path, strerror(errno));
		return ret;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *s, *eq, *key, *val, *hash;

		line++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			ret = fail(ld, line, "line longer than %d bytes", LINE_MAX_);
			break;
		}
		hash = strchr(buf, '#');
		if (hash != NULL)
			*hash = '\0';
		s = trim(buf);
		if (*s == '\0')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			unsigned int pidx;

			if (e == NULL || e[1] != '\0') {
				ret = fail(ld, line, "bad section header (expected [name])");
				break;
			}
			*e = '\0';
			s = trim(s + 1);
			if (strlen(s) >= CFG_NAME_LEN || keys_of(s) == NULL) {
				ret = fail(ld, line, "unknown section [%s]", s);
				break;
			}
			if (strncmp(s, "interface.", 10) == 0 && parse_port_index(s, &pidx) != 0) {
				ret = fail(ld, line, "bad section [%s]: N must be a DPDK port id 0..%u",
					   s, SW_CFG_PORTS_MAX - 1);
				break;
			}
			for (i = 0; i < ld->n_sects; i++)
				if (strcmp(ld->sects[i], s) == 0)
					break;
			if (i < ld->n_sects) {
				ret = fail(ld, line, "section [%s] repeated (first at line %u)", s,
					   ld->sect_line[i]);
				break;
			}
			if (ld->n_sects == RTE_DIM(ld->sects)) {
				ret = fail(ld, line, "too many sections");
				break;
			}
			snprintf(ld->sects[ld->n_sects], CFG_NAME_LEN, "%s", s);
			ld->sect_line[ld->n_sects++] = line;
			snprintf(sect, sizeof(sect), "%s", s);
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			ret = fail(ld, line, "expected 'key = value' or '[section]'");
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (sect[0] == '\0') {
			ret = fail(ld, line, "key '%s' outside any section", key);
			break;
		}
		if (*key == '\0') {
			ret = fail(ld, line, "empty key");
			break;
		}
		{
			const char *const *k = keys_of(sect);

			for (; *k != NULL; k++)
				if (strcmp(*k, key) == 0)
					break;
			if (*k == NULL) {
				ret = fail(ld, line, "unknown key '%s' in [%s]", key, sect);
				break;
			}
		}
		if (*val == '\0') {
			ret = fail(ld, line, "key '%s' has an empty value", key);
			break;
		}
		if (strlen(val) >= CFG_VALUE_LEN) {
			ret = fail(ld, line, "value of '%s' longer than %d bytes", key,
				   CFG_VALUE_LEN - 1);
			break;
		}
		for (i = 0; i < ld->n_keys; i++)
			if (strcmp(ld->keys[i].sect, sect) == 0 && strcmp(ld->keys[i].key, key) == 0)
				break;
		if (i < ld->n_keys) {
			ret = fail(ld, line, "key '%s' repeated in [%s] (first at line %u)", key, sect,
				   ld->keys[i].line);
			break;
		}
		if (ld->n_keys == KEYS_MAX) {
			ret = fail(ld, line, "too many keys");
			break;
		}
		snprintf(ld->keys[ld->n_keys].sect, CFG_NAME_LEN, "%s", sect);
		snprintf(ld->keys[ld->n_keys].key, CFG_NAME_LEN, "%s", key);
		ld->keys[ld->n_keys++].line = line;
	}
	if (ret == 0 && ferror(f))
		ret = fail(ld, line, "read error");
	fclose(f);
	return ret;
}

static unsigned int
line_of(const struct loader *ld, const char *sect, const char *key)
{
	unsigned int i;

	for (i = 0; i < ld->n_keys; i++)
		if (strcmp(ld->keys[i].sect, sect) == 0 &&
		    (key == NULL || strcmp(ld->keys[i].key, key) == 0))
			return ld->keys[i].line;
	for (i = 0; i < ld->n_sects; i++)
		if (strcmp(ld->sects[i], sect) == 0)
			return ld->sect_line[i];
	return 0;
}

/* Value of sect/key through rte_cfgfile, or NULL if absent. */
static const char *
get(struct loader *ld, const char *sect, const char *key)
{
	return rte_cfgfile_get_entry(ld->cf, sect, key);
}

static int
get_u32(struct loader *ld, const char *sect, const char *key, uint32_t min, uint32_t max,
	uint32_t *out, bool required)
{
	const char *v = get(ld, sect, key);
	unsigned long long n;
	char *end;

	if (v == NULL) {
		if (required)
			return fail(ld, line_of(ld, sect, NULL), "[%s] %s is required", sect, key);
		return 0;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || errno != 0 || *end != '\0' || n < min || n > max)
		return fail(ld, line_of(ld, sect, key), "%s = '%s': expected an integer %u..%u",
			    key, v, min, max);
	*out = (uint32_t)n;
	return 0;
}

/* "30", "30s", "500ms", "2m" -> milliseconds. */
static int
get_duration_ms(struct loader *ld, const char *sect, const char *key, uint32_t *out)
{
	const char *v = get(ld, sect, key);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || errno != 0)
		goto bad;
	if (*end == '\0' || strcmp(end, "s") == 0)
		n *= 1000;
	else if (strcmp(end, "m") == 0)
		n *= 60000;
	else if (strcmp(end, "ms") != 0)
		goto bad;
	if (n == 0 || n > 3600000)
		goto bad;
	*out = (uint32_t)n;
	return 0;
bad:
	return fail(ld, line_of(ld, sect, key),
		    "%s = '%s': expected a duration 1ms..1h (e.g. 30s, 500ms, 2m)", key, v);
}

static int
parse_addr(const char *s, bool want_prefix, struct sw_addr *a)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long p;

	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	snprintf(tmp, sizeof(tmp), "%s", s);
	slash = strchr(tmp, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, tmp, &a->u.v4) == 1) {
		a->af = AF_INET;
		a->prefix = 32;
	} else if (inet_pton(AF_INET6, tmp, &a->u.v6) == 1) {
		a->af = AF_INET6;
		a->prefix = 128;
	} else {
		return -EINVAL;
	}
	if (slash == NULL)
		return want_prefix ? -EDOM : 0;
	if (!want_prefix || !isdigit((unsigned char)slash[1]))
		return -EINVAL;
	p = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || p > a->prefix || p == 0)
		return -EINVAL;
	a->prefix = (uint8_t)p;
	return 0;
}

const char *
sw_addr_str(const struct sw_addr *a, char *buf, size_t len)
{
	if (a->af == AF_INET || a->af == AF_INET6) {
		if (inet_ntop(a->af, &a->u, buf, (socklen_t)len) != NULL)
			return buf;
	}
	snprintf(buf, len, "-");
	return buf;
}

bool
sw_addr_in_subnet(const struct sw_addr *a, const struct sw_addr *net)
{
	const uint8_t *x, *y;
	unsigned int bits, i;

	if (a->af != net->af)
		return false;
	x = (const uint8_t *)&a->u;
	y = (const uint8_t *)&net->u;
	bits = net->prefix;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (x[i] != y[i])
			return false;
	if (bits != 0) {
		uint8_t mask = (uint8_t)(0xffu << (8 - bits));

		if ((x[i] & mask) != (y[i] & mask))
			return false;
	}
	return true;
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-.!%*_+`'~", *s) == NULL)
			return false;
	return true;
}

static bool
yes_no(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0 ||
	    strcmp(v, "0") == 0) {
		*out = false;
		return true;
	}
	return false;
}

static int
load_interfaces(struct loader *ld, struct sw_config *cfg)
{
	unsigned int s, idx, n_cli = 0, n_up = 0;
	int ret;

	for (s = 0; s < ld->n_sects; s++) {
		const char *sect = ld->sects[s];
		struct sw_cfg_if *ifc;
		const char *v;
		uint32_t u;

		if (parse_port_index(sect, &idx) != 0)
			continue;
		ifc = &cfg->ifs[idx];
		ifc->present = true;
		ifc->mtu = 1500;

		v = get(ld, sect, "address");
		if (v == NULL)
			return fail(ld, ld->sect_line[s], "[%s] address is required", sect);
		ret = parse_addr(v, true, &ifc->addr);
		if (ret != 0)
			return fail(ld, line_of(ld, sect, "address"),
				    "address = '%s': expected an IPv4 or IPv6 address with a "
				    "prefix length (e.g. 192.0.2.1/24)", v);
		u = 5060;
		ret = get_u32(ld, sect, "sip_port", 1, 65535, &u, false);
		if (ret != 0)
			return ret;
		ifc->sip_port = (uint16_t)u;

		v = get(ld, sect, "role");
		if (v == NULL || strcmp(v, "both") == 0)
			ifc->role = SW_ROLE_BOTH;
		else if (strcmp(v, "clients") == 0)
			ifc->role = SW_ROLE_CLIENTS;
		else if (strcmp(v, "upstream") == 0)
			ifc->role = SW_ROLE_UPSTREAM;
		else
			return fail(ld, line_of(ld, sect, "role"),
				    "role = '%s': expected clients, upstream or both", v);
		if (ifc->role != SW_ROLE_UPSTREAM)
			n_cli++;
		if (ifc->role != SW_ROLE_CLIENTS)
			n_up++;

		v = get(ld, sect, "exception");
		if (v == NULL || strcmp(v, "none") == 0)
			ifc->exception = SW_EXC_NONE;
		else if (strcmp(v, "xdp") == 0)
			ifc->exception = SW_EXC_XDP;
		else if (strcmp(v, "tap") == 0)
			ifc->exception = SW_EXC_TAP;
		else
			return fail(ld, line_of(ld, sect, "exception"),
				    "exception = '%s': expected xdp, tap or none", v);

		v = get(ld, sect, "tap");
		if (v != NULL) {
			if (ifc->exception != SW_EXC_TAP)
				return fail(ld, line_of(ld, sect, "tap"),
					    "tap is only valid with exception = tap");
			if (strlen(v) >= 16 || !is_token(v))
				return fail(ld, line_of(ld, sect, "tap"),
					    "tap = '%s': expected an interface name (< 16 bytes)", v);
			snprintf(ifc->tap_name, sizeof(ifc->tap_name), "%s", v);
		} else if (ifc->exception == SW_EXC_TAP) {
			snprintf(ifc->tap_name, sizeof(ifc->tap_name), "swtap%u", idx);
		}

		v = get(ld, sect, "gateway");
		if (v != NULL) {
			if (parse_addr(v, false, &ifc->gateway) != 0)
				return fail(ld, line_of(ld, sect, "gateway"),
					    "gateway = '%s': expected an IP address", v);
			if (!sw_addr_in_subnet(&ifc->gateway, &ifc->addr))
				return fail(ld, line_of(ld, sect, "gateway"),
					    "gateway %s is not in the interface's subnet", v);
		}
		u = 1500;
		ret = get_u32(ld, sect, "mtu", 576, 9000, &u, false);
		if (ret != 0)
			return ret;
		if (ifc->addr.af == AF_INET6 && u < 1280)
			return fail(ld, line_of(ld, sect, "mtu"), "mtu below 1280 on IPv6");
		ifc->mtu = (uint16_t)u;
	}
	if (n_cli == 0)
		return fail(ld, 0, "no [interface.N] with role clients or both");
	if (n_up == 0)
		return fail(ld, 0, "no [interface.N] with role upstream or both");
	return 0;
}

static int
load_auth(struct loader *ld, struct sw_config *cfg)
{
	char tmp[CFG_VALUE_LEN];
	const char *v;
	char *tok, *save = NULL;
	uint32_t u;
	int ret;

	v = get(ld, "auth", "realm");
	snprintf(cfg->realm, sizeof(cfg->realm), "%s", v != NULL ? v : "SIP Communications Service");
	if (strpbrk(cfg->realm, "\"\\") != NULL)
		return fail(ld, line_of(ld, "auth", "realm"), "realm must not contain '\"' or '\\'");

	v = get(ld, "auth", "targetname");
	if (v == NULL)
		return fail(ld, line_of(ld, "auth", NULL), "[auth] targetname is required");
	if (strpbrk(v, "\"\\ ,") != NULL || strncmp(v, "sip/", 4) == 0)
		return fail(ld, line_of(ld, "auth", "targetname"),
			    "targetname = '%s': expected the server FQDN (Kerberos uses sip/<fqdn>)",
			    v);
	snprintf(cfg->targetname, sizeof(cfg->targetname), "%s", v);

	v = get(ld, "auth", "schemes");
	snprintf(tmp, sizeof(tmp), "%s", v != NULL ? v : "Kerberos, NTLM");
	for (tok = strtok_r(tmp, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save)) {
		enum sw_scheme sc = sw_scheme_from(tok, strlen(tok));
		unsigned int i;

		if (sc == SW_SCHEME_NONE)
			return fail(ld, line_of(ld, "auth", "schemes"),
				    "schemes: '%s' is not Kerberos or NTLM", tok);
		for (i = 0; i < cfg->n_schemes; i++)
			if (cfg->schemes[i] == sc)
				return fail(ld, line_of(ld, "auth", "schemes"),
					    "schemes: '%s' listed twice", tok);
		cfg->schemes[cfg->n_schemes++] = (uint8_t)sc;
	}
	if (cfg->n_schemes == 0)
		return fail(ld, line_of(ld, "auth", "schemes"), "schemes: empty list");

	u = 407;
	ret = get_u32(ld, "auth", "challenge", 401, 407, &u, false);
	if (ret != 0 || (u != 401 && u != 407))
		return fail(ld, line_of(ld, "auth", "challenge"), "challenge: expected 401 or 407");
	cfg->challenge = (uint16_t)u;

	u = 4;
	ret = get_u32(ld, "auth", "version", 2, 4, &u, false);
	if (ret != 0)
		return ret;
	cfg->version = (uint8_t)u;

	v = get(ld, "auth", "require");
	if (v == NULL || strcmp(v, "all") == 0) {
		cfg->require_all = true;
	} else {
		snprintf(tmp, sizeof(tmp), "%s", v);
		save = NULL;
		for (tok = strtok_r(tmp, ", \t", &save); tok != NULL;
		     tok = strtok_r(NULL, ", \t", &save)) {
			if (!is_token(tok) || strlen(tok) >= sizeof(cfg->require[0]))
				return fail(ld, line_of(ld, "auth", "require"),
					    "require: '%s' is not a SIP method", tok);
			if (cfg->n_require == SW_CFG_METHODS_MAX)
				return fail(ld, line_of(ld, "auth", "require"),
					    "require: more than %u methods", SW_CFG_METHODS_MAX);
			snprintf(cfg->require[cfg->n_require++], sizeof(cfg->require[0]), "%s",
				 tok);
		}
		if (cfg->n_require == 0)
			return fail(ld, line_of(ld, "auth", "require"), "require: empty list");
	}

	v = get(ld, "auth", "mutual");
	if (v != NULL && !yes_no(v, &cfg->mutual))
		return fail(ld, line_of(ld, "auth", "mutual"), "mutual = '%s': expected yes or no",
			    v);
	return 0;
}

static int
load_mechs(struct loader *ld, struct sw_config *cfg)
{
	bool krb = false, ntlm = false;
	const char *v;
	unsigned int i;

	for (i = 0; i < cfg->n_schemes; i++) {
		krb |= cfg->schemes[i] == SW_SCHEME_KERBEROS;
		ntlm |= cfg->schemes[i] == SW_SCHEME_NTLM;
	}

	v = get(ld, "kerberos", "keytab");
	if (v != NULL) {
		snprintf(cfg->keytab, sizeof(cfg->keytab), "%s", v);
		if (access(v, R_OK) != 0)
			return fail(ld, line_of(ld, "kerberos", "keytab"),
				    "keytab '%s' is not readable: %s", v, strerror(errno));
	} else if (krb) {
		return fail(ld, line_of(ld, "auth", "schemes"),
			    "Kerberos is offered but [kerberos] keytab is not set");
	}
	v = get(ld, "kerberos", "service");
	if (v != NULL) {
		if (strncmp(v, "sip/", 4) != 0 || v[4] == '\0' || strpbrk(v, " \"") != NULL)
			return fail(ld, line_of(ld, "kerberos", "service"),
				    "service = '%s': expected sip/<fqdn>", v);
		snprintf(cfg->service, sizeof(cfg->service), "%s", v);
	} else {
		snprintf(cfg->service, sizeof(cfg->service), "sip/%.*s",
			 (int)(sizeof(cfg->service) - 5), cfg->targetname);
	}

	v = get(ld, "ntlm", "users");
	if (v != NULL) {
		snprintf(cfg->ntlm_users, sizeof(cfg->ntlm_users), "%s", v);
		if (access(v, R_OK) != 0)
			return fail(ld, line_of(ld, "ntlm", "users"),
				    "users file '%s' is not readable: %s", v, strerror(errno));
	} else if (ntlm) {
		return fail(ld, line_of(ld, "auth", "schemes"),
			    "NTLM is offered but [ntlm] users is not set");
	}
	v = get(ld, "ntlm", "domain");
	if (v != NULL) {
		if (!is_token(v))
			return fail(ld, line_of(ld, "ntlm", "domain"),
				    "domain = '%s': expected a NetBIOS/DNS domain name", v);
		snprintf(cfg->ntlm_domain, sizeof(cfg->ntlm_domain), "%s", v);
	}
	return 0;
}

/* A DNS name (letters, digits, '-', '.'), or an IPv4 literal. */
static bool
is_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
			return false;
	return true;
}

static const char *const id_mode_names[] = { "user", "map", "map-or-user" };

/*
 * [identity]: the From AOR binding (PROTOCOL.md §4).  The map file is read
 * here too, so --check-config and the start report its errors with its own
 * file:line (the control plane reads it again when it starts and on SIGHUP).
 */
static int
load_identity(struct loader *ld, struct sw_config *cfg)
{
	char tmp[CFG_VALUE_LEN];
	struct sw_idmap *m = NULL;
	const char *v, *mode;
	char *tok, *save = NULL;
	unsigned int i;
	int ret;

	v = get(ld, "identity", "map");
	if (v != NULL) {
		snprintf(cfg->id_map, sizeof(cfg->id_map), "%s", v);
		ret = sw_idmap_load(v, &m, ld->err, ld->err_len);
		sw_idmap_free(m);
		if (ret == -ENOMEM)
			return ret;
		if (ret != 0) {
			/* The map's own "file:line: reason", after where it is named. */
			char inner[SW_CFG_ERR_MAX];

			snprintf(inner, sizeof(inner), "%s", ld->err != NULL ? ld->err : "");
			return fail(ld, line_of(ld, "identity", "map"), "map: %s", inner);
		}
	}
	mode = get(ld, "identity", "mode");
	if (mode == NULL)
		cfg->id_mode = cfg->id_map[0] != '\0' ? SW_ID_MAP_OR_USER : SW_ID_USER;
	else if (strcmp(mode, "user") == 0)
		cfg->id_mode = SW_ID_USER;
	else if (strcmp(mode, "map") == 0)
		cfg->id_mode = SW_ID_MAP;
	else if (strcmp(mode, "map-or-user") == 0)
		cfg->id_mode = SW_ID_MAP_OR_USER;
	else
		return fail(ld, line_of(ld, "identity", "mode"),
			    "mode = '%s': expected user, map or map-or-user", mode);
	if (cfg->id_mode != SW_ID_USER && cfg->id_map[0] == '\0')
		return fail(ld, line_of(ld, "identity", "mode"),
			    "mode = %s needs [identity] map", id_mode_names[cfg->id_mode]);
	if (cfg->id_mode == SW_ID_USER && cfg->id_map[0] != '\0')
		return fail(ld, line_of(ld, "identity", "mode"),
			    "mode = user ignores [identity] map: use map or map-or-user");

	v = get(ld, "identity", "domains");
	if (v != NULL) {
		snprintf(tmp, sizeof(tmp), "%s", v);
		for (tok = strtok_r(tmp, ", \t", &save); tok != NULL;
		     tok = strtok_r(NULL, ", \t", &save)) {
			if (!is_hostname(tok))
				return fail(ld, line_of(ld, "identity", "domains"),
					    "domains: '%s' is not a domain name", tok);
			if (cfg->n_id_domains == SW_CFG_DOMAINS_MAX)
				return fail(ld, line_of(ld, "identity", "domains"),
					    "domains: more than %u", SW_CFG_DOMAINS_MAX);
			for (i = 0; tok[i] != '\0'; i++)
				tok[i] = (char)tolower((unsigned char)tok[i]);
			for (i = 0; i < cfg->n_id_domains; i++)
				if (strcmp(cfg->id_domains[i], tok) == 0)
					return fail(ld, line_of(ld, "identity", "domains"),
						    "domains: '%s' listed twice", tok);
			snprintf(cfg->id_domains[cfg->n_id_domains++], SW_CFG_STR_MAX, "%s", tok);
		}
		if (cfg->n_id_domains == 0)
			return fail(ld, line_of(ld, "identity", "domains"), "domains: empty list");
		if (cfg->id_mode == SW_ID_MAP)
			return fail(ld, line_of(ld, "identity", "domains"),
				    "domains apply to the user rule, which mode = map never uses");
	}
	return 0;
}

int
sw_config_load(const char *path, struct sw_config *cfg, char *err, size_t err_len)
{
	struct rte_cfgfile_parameters params = { .comment_character = '#' };
	struct loader *ld = NULL;
	uint32_t u;
	const char *v;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (err != NULL && err_len != 0)
		err[0] = '\0';
	ld = calloc(1, sizeof(*ld));
	if (ld == NULL)
		return -ENOMEM;
	ld->path = path;
	ld->err = err;
	ld->err_len = err_len;
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);

	ret = scan(ld);
	if (ret != 0)
		goto cleanup;
	ld->cf = rte_cfgfile_load_with_params(path, 0, &params);
	if (ld->cf == NULL) {
		ret = fail(ld, 0, "rte_cfgfile could not read the file");
		goto cleanup;
	}

	/* [engine] */
	cfg->n_lcores = 1;
	u = 1;
	ret = get_u32(ld, "engine", "lcores", 1, 64, &u, false);
	if (ret != 0)
		goto cleanup;
	cfg->n_lcores = u;
	ret = get_u32(ld, "engine", "mbufs", 1024, 1u << 24, &cfg->mbufs, false);
	if (ret != 0)
		goto cleanup;
	cfg->drain_us = 50;
	ret = get_u32(ld, "engine", "drain_us", 0, 10000, &cfg->drain_us, false);
	if (ret != 0)
		goto cleanup;
	cfg->idle_sleep_us = 1000;
	ret = get_u32(ld, "engine", "idle_sleep_us", 0, 100000, &cfg->idle_sleep_us, false);
	if (ret != 0)
		goto cleanup;

	ret = load_interfaces(ld, cfg);
	if (ret != 0)
		goto cleanup;

	/* [upstream] */
	v = get(ld, "upstream", "address");
	if (v == NULL) {
		ret = fail(ld, line_of(ld, "upstream", NULL), "[upstream] address is required");
		goto cleanup;
	}
	if (parse_addr(v, false, &cfg->upstream) != 0) {
		ret = fail(ld, line_of(ld, "upstream", "address"),
			   "address = '%s': expected an IPv4 or IPv6 address (no prefix)", v);
		goto cleanup;
	}
	u = 5060;
	ret = get_u32(ld, "upstream", "port", 1, 65535, &u, false);
	if (ret != 0)
		goto cleanup;
	cfg->upstream_port = (uint16_t)u;
	cfg->record_route = true;
	v = get(ld, "upstream", "record_route");
	if (v != NULL && !yes_no(v, &cfg->record_route)) {
		ret = fail(ld, line_of(ld, "upstream", "record_route"),
			   "record_route = '%s': expected yes or no", v);
		goto cleanup;
	}
	{
		unsigned int i;
		bool reach = false;

		for (i = 0; i < SW_CFG_PORTS_MAX; i++) {
			const struct sw_cfg_if *ifc = &cfg->ifs[i];

			if (!ifc->present || ifc->role == SW_ROLE_CLIENTS)
				continue;
			if (sw_addr_in_subnet(&cfg->upstream, &ifc->addr) ||
			    (ifc->gateway.af == cfg->upstream.af))
				reach = true;
		}
		if (!reach) {
			ret = fail(ld, line_of(ld, "upstream", "address"),
				   "upstream %s is neither on an upstream interface's subnet nor "
				   "behind its gateway", v);
			goto cleanup;
		}
	}

	ret = load_auth(ld, cfg);
	if (ret != 0)
		goto cleanup;
	ret = load_mechs(ld, cfg);
	if (ret != 0)
		goto cleanup;
	ret = load_identity(ld, cfg);
	if (ret != 0)
		goto cleanup;

	/* [limits] */
	cfg->sa_max = 100000;
	ret = get_u32(ld, "limits", "sa_max", 1, 1u << 26, &cfg->sa_max, false);
	if (ret != 0)
		goto cleanup;
	cfg->handshakes_max = 4096;
	ret = get_u32(ld, "limits", "handshakes_max", 1, 1u << 22, &cfg->handshakes_max, false);
	if (ret != 0)
		goto cleanup;
	cfg->handshake_timeout_ms = 32000;
	ret = get_duration_ms(ld, "limits", "handshake_timeout", &cfg->handshake_timeout_ms);
	if (ret != 0)
		goto cleanup;
	/* A source's share of the pending table: 1/64 of it, at least 16, so
	 * that it takes 64 sources to fill it, while a NAT whose phones all
	 * register at once still fits (a handshake is pending for one round
	 * trip).  Source = address without port (cp.c). */
	cfg->handshakes_per_source = cfg->handshakes_max / 64 < 16 ? 16 : cfg->handshakes_max / 64;
	if (cfg->handshakes_per_source > cfg->handshakes_max)
		cfg->handshakes_per_source = cfg->handshakes_max;
	ret = get_u32(ld, "limits", "handshakes_per_source", 0, 1u << 22,
		      &cfg->handshakes_per_source, false);
	if (ret != 0)
		goto cleanup;
	if (cfg->handshakes_per_source > cfg->handshakes_max) {
		ret = fail(ld, line_of(ld, "limits", "handshakes_per_source"),
			   "handshakes_per_source = %u is more than handshakes_max = %u",
			   cfg->handshakes_per_source, cfg->handshakes_max);
		goto cleanup;
	}
	cfg->ring_size = 1024;
	ret = get_u32(ld, "limits", "ring_size", 64, 65536, &cfg->ring_size, false);
	if (ret != 0)
		goto cleanup;
	if ((cfg->ring_size & (cfg->ring_size - 1)) != 0) {
		ret = fail(ld, line_of(ld, "limits", "ring_size"), "ring_size must be a power of two");
		goto cleanup;
	}
	cfg->reassembly = 4096;
	ret = get_u32(ld, "limits", "reassembly", 16, 1u << 20, &cfg->reassembly, false);
	if (ret != 0)
		goto cleanup;
	/* Reflection limit (dataplane/ratelimit.h): generous enough for a NAT
	 * with many clients, small enough that a spoofed flood gains nothing. */
	cfg->challenge_rate = 100;
	ret = get_u32(ld, "limits", "challenge_rate", 0, 1000000, &cfg->challenge_rate, false);
	if (ret != 0)
		goto cleanup;
	cfg->challenge_burst = cfg->challenge_rate > 100 ? cfg->challenge_rate * 2 : 200;
	ret = get_u32(ld, "limits", "challenge_burst", 1, 1000000, &cfg->challenge_burst, false);
	if (ret != 0)
		goto cleanup;
	/* Handshake legs per source: a client needs one (Kerberos) or two
	 * (NTLM) per registration, so the default leaves room for a NAT with
	 * many clients re-registering at once, while one source alone cannot
	 * fill the control-plane ring (ring_size, 1024). */
	cfg->handshake_rate = 50;
	ret = get_u32(ld, "limits", "handshake_rate", 0, 1000000, &cfg->handshake_rate, false);
	if (ret != 0)
		goto cleanup;
	cfg->handshake_burst = cfg->handshake_rate > 50 ? cfg->handshake_rate * 2 : 100;
	ret = get_u32(ld, "limits", "handshake_burst", 1, 1000000, &cfg->handshake_burst, false);
	if (ret != 0)
		goto cleanup;
	/* Twice SIP's T1: by then the sender has retransmitted (RFC 3261
	 * §17.1.2.2), so the fresher copy behind it in the ring is the one
	 * worth answering. */
	cfg->cp_max_wait_ms = 1000;
	ret = get_duration_ms(ld, "limits", "cp_max_wait", &cfg->cp_max_wait_ms);
	if (ret != 0)
		goto cleanup;
	ret = 0;

cleanup:
	if (ld->cf != NULL)
		rte_cfgfile_close(ld->cf);
	free(ld);
	return ret;
}

bool
sw_config_requires(const struct sw_config *cfg, const char *method, size_t len)
{
	unsigned int i;

	if (cfg->require_all)
		return true;
	for (i = 0; i < cfg->n_require; i++)
		if (strlen(cfg->require[i]) == len && memcmp(cfg->require[i], method, len) == 0)
			return true;
	return false;
}

void
sw_config_print(const struct sw_config *cfg, FILE *out)
{
	static const char *const roles[] = { "?", "clients", "upstream", "both" };
	static const char *const exc[] = { "none", "xdp", "tap" };
	char a[INET6_ADDRSTRLEN];
	unsigned int i;

	fprintf(out, "# effective configuration of %s\n", cfg->path);
	fprintf(out, "[engine]\nlcores = %u\nmbufs = %u\ndrain_us = %u\nidle_sleep_us = %u\n\n",
		cfg->n_lcores, cfg->mbufs, cfg->drain_us, cfg->idle_sleep_us);
	for (i = 0; i < SW_CFG_PORTS_MAX; i++) {
		const struct sw_cfg_if *ifc = &cfg->ifs[i];

		if (!ifc->present)
			continue;
		fprintf(out, "[interface.%u]\naddress = %s/%u\nsip_port = %u\nrole = %s\n", i,
			sw_addr_str(&ifc->addr, a, sizeof(a)), ifc->addr.prefix, ifc->sip_port,
			roles[ifc->role]);
		fprintf(out, "exception = %s\n", exc[ifc->exception]);
		if (ifc->exception == SW_EXC_TAP)
			fprintf(out, "tap = %s\n", ifc->tap_name);
		if (ifc->gateway.af != 0)
			fprintf(out, "gateway = %s\n", sw_addr_str(&ifc->gateway, a, sizeof(a)));
		fprintf(out, "mtu = %u\n\n", ifc->mtu);
	}
	fprintf(out, "[upstream]\naddress = %s\nport = %u\nrecord_route = %s\n\n",
		sw_addr_str(&cfg->upstream, a, sizeof(a)), cfg->upstream_port,
		cfg->record_route ? "yes" : "no");
	fprintf(out, "[auth]\nrealm = %s\ntargetname = %s\nschemes = ", cfg->realm,
		cfg->targetname);
	for (i = 0; i < cfg->n_schemes; i++)
		fprintf(out, "%s%s", i ? ", " : "", sw_scheme_name(cfg->schemes[i]));
	fprintf(out, "\nchallenge = %u\nversion = %u\nrequire = ", cfg->challenge, cfg->version);
	if (cfg->require_all)
		fprintf(out, "all");
	for (i = 0; i < cfg->n_require; i++)
		fprintf(out, "%s%s", i ? ", " : "", cfg->require[i]);
	fprintf(out, "\nmutual = %s\n\n", cfg->mutual ? "yes" : "no");
	fprintf(out, "[kerberos]\nkeytab = %s\nservice = %s\n\n",
		cfg->keytab[0] ? cfg->keytab : "(unset)", cfg->service);
	fprintf(out, "[ntlm]\nusers = %s\ndomain = %s\n\n",
		cfg->ntlm_users[0] ? cfg->ntlm_users : "(unset)",
		cfg->ntlm_domain[0] ? cfg->ntlm_domain : "(unset)");
	fprintf(out, "[identity]\nmode = %s\nmap = %s\ndomains = ", id_mode_names[cfg->id_mode],
		cfg->id_map[0] ? cfg->id_map : "(unset)");
	if (cfg->n_id_domains == 0)
		fprintf(out, "(any)");
	for (i = 0; i < cfg->n_id_domains; i++)
		fprintf(out, "%s%s", i ? ", " : "", cfg->id_domains[i]);
	fprintf(out, "\n\n");
	fprintf(out,
		"[limits]\nsa_max = %u\nhandshakes_max = %u\nhandshakes_per_source = %u\n"
		"handshake_timeout = %ums\n"
		"ring_size = %u\nreassembly = %u\nchallenge_rate = %u\nchallenge_burst = %u\n"
		"handshake_rate = %u\nhandshake_burst = %u\ncp_max_wait = %ums\n",
		cfg->sa_max, cfg->handshakes_max, cfg->handshakes_per_source,
		cfg->handshake_timeout_ms, cfg->ring_size, cfg->reassembly, cfg->challenge_rate,
		cfg->challenge_burst, cfg->handshake_rate, cfg->handshake_burst,
		cfg->cp_max_wait_ms);
}
