/*
 * sipward-client: the patent's client side on the command line.
 *
 *   sipward-client --proxy HOST[:PORT] --user USER@REALM [--mech kerberos|ntlm]
 *       [--password-file F | --keytab F | --ccache C] [--preauth] [--mutual]
 *       [--version N] [-v] [--json] [--local ADDR:PORT] [--timeout S]
 *       register | unregister | options TO | message TO [TEXT] | invite TO ...
 *       | listen [--count N] [--timeout S]
 *   sipward-client ... presign --count N --out FILE.csv [--per-sa M]
 *       [--method OPTIONS|MESSAGE|REGISTER] [--to URI] [--sa-file F] [--xml F]
 *
 * Several commands run in order in one process, on the same SAs ("register
 * register unregister": register, refresh on the established SA, unregister),
 * stopping at the first failure.  "listen" registers first (unless a
 * register ran before it) and then answers the requests the proxy relays
 * to us (README "Incoming requests"), until --count requests or --timeout
 * seconds, whichever comes first, or SIGINT / SIGTERM.
 *
 * Exit status 0 only if the whole exchange authenticated and succeeded; 1 if
 * it did not; 2 for usage errors.  The transcript (-v) goes to stderr, the
 * --json summary to stdout.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_priv.h"
#include "sw_build_config.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sipward-client --proxy HOST[:PORT] --user USER@REALM [options] COMMAND...\n"
		"commands (several run in order on the same SAs, e.g. register register "
		"unregister):\n"
		"  register | unregister | options TO | message TO [TEXT] | invite TO\n"
		"  listen [--count N] [--timeout S]   register, then answer requests relayed by\n"
		"          the proxy (signed 200 when its signature verifies; unsigned or badly\n"
		"          signed ones are refused), until N requests (1..%u, default %u) or S\n"
		"          seconds (default --timeout, else 32) or SIGINT/SIGTERM\n"
		"  presign --count N --out FILE.csv [--per-sa M] [--method "
		"OPTIONS|MESSAGE|REGISTER]\n"
		"          [--to URI] [--sa-file F.json] [--xml F.xml]\n"
		"credentials:\n"
		"  --mech kerberos|ntlm    restrict the mechanism (default: Kerberos, else NTLM)\n"
		"  --password-file F       password (Kerberos kinit in-process, and NTLM)\n"
		"  --keytab F              Kerberos client keytab\n"
		"  --ccache C              Kerberos credential cache (default: KRB5CCNAME)\n"
		"  --ntlm-domain D         NetBIOS domain (default: first label of the realm)\n"
		"  --ntlm-no-mic           NTLM without MIC (as pidgin-sipe)\n"
		"protocol:\n"
		"  --preauth               credentials in the first REGISTER (patent FIG. 6/9)\n"
		"  --mutual                Kerberos mutual authentication: the proxy's AP-REP "
		"must\n"
		"                          verify or the call is dropped\n"
		"  --version N             protocol version 2, 3 or 4 (cap; pre-auth: used)\n"
		"  --realm R --targetname T --family 401|407   pre-auth parameters\n"
		"  --expires S             REGISTER expiry (default 3600)\n"
		"  --gss-mic               sign with gss_get_mic instead of crypto/sig\n"
		"  --no-version-param      signed requests without version= (as pidgin-sipe)\n"
		"  --aor-domain D          SIP domain of the AOR (default: the realm, lower case)\n"
		"transport:\n"
		"  --local ADDR:PORT       bind address\n"
		"  --timeout S             whole operation (default 32)\n"
		"  --t1 MS --t2 MS         RFC 3261 timers (default 500 / 4000)\n"
		"  --backoff MS            FIG. 4 back-off after a challenged fresh SA (default "
		"300000)\n"
		"output:\n"
		"  -v                      transcript on stderr (-vv: whole messages)\n"
		"  --json                  machine-readable summary on stdout\n",
		SW_CL_LISTEN_COUNT_MAX, SW_CL_LISTEN_COUNT_MAX);
}

/* Set by SIGINT / SIGTERM while listening: the only thing a handler may write. */
static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static bool
stop_poll(void *arg)
{
	(void)arg;
	return stop_requested != 0;
}

/* What listen received, for --json. */
static struct sw_cl_incoming listen_rx[256];
static unsigned int listen_n;

/* -v: every line, timestamped; without -v only the failure reasons. */
static void
log_stderr(void *arg, const char *line)
{
	const unsigned int *verbose = arg;
	struct timespec ts;

	if (*verbose == 0) {
		if (strncmp(line, "error: ", 7) == 0 ||
		    strncmp(line, "kerberos unavailable", 20) == 0)
			fprintf(stderr, "sipward-client: %s\n", line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "[%02ld:%02ld:%02ld.%03ld] %s\n", (long)(ts.tv_sec / 3600 % 24),
		(long)(ts.tv_sec / 60 % 60), (long)(ts.tv_sec % 60), ts.tv_nsec / 1000000L, line);
}

static char *
read_password(const char *path)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "sipward-client: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		fprintf(stderr, "sipward-client: %s: empty\n", path);
		return NULL;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	{
		char *p = strdup(buf);

		sw_cl_wipe(buf, sizeof(buf));
		return p;
	}
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
print_received(void)
{
	unsigned int i, n = listen_n < 256 ? listen_n : 256;

	printf(",\n \"received\": [");
	for (i = 0; i < n; i++) {
		const struct sw_cl_incoming *r = &listen_rx[i];

		printf("%s\n  {\"method\": ", i == 0 ? "" : ",");
		json_str(stdout, r->method);
		printf(", \"from\": ");
		json_str(stdout, r->from);
		printf(", \"call_id\": ");
		json_str(stdout, r->call_id);
		printf(", \"cseq\": %u, \"verdict\": ", r->cseq);
		json_str(stdout, sw_cl_in_verdict_name(r->verdict));
		printf(", \"targetname\": ");
		json_str(stdout, r->targetname);
		printf(", \"snum\": %llu, \"answered\": %u, \"retransmissions\": %u, \"body\": ",
		       (unsigned long long)r->snum, r->answered, r->retransmissions);
		json_str(stdout, r->body);
		printf("}");
	}
	printf("%s], \"received_total\": %u", n != 0 ? "\n " : "", listen_n);
}

static void
print_json(struct sw_client *c, const char *cmd, int rc, uint64_t elapsed_ms)
{
	struct sw_cl_sa_info sas[SW_CL_SA_MAX];
	struct sw_cl_stats st;
	unsigned int n = 0, i;
	bool authenticated = false;
	size_t cl = strlen(cmd);
	bool unreg = cl >= 10 && strcmp(cmd + cl - 10, "unregister") == 0;

	if (c != NULL) {
		n = sw_client_sas(c, sas, SW_CL_SA_MAX);
		sw_client_stats(c, &st);
	} else {
		memset(&st, 0, sizeof(st));
	}
	for (i = 0; i < n; i++)
		authenticated |= sas[i].state == SW_SA_ESTABLISHED || (unreg && rc == 0);
	printf("{\"ok\": %s, \"command\": ", rc == 0 ? "true" : "false");
	json_str(stdout, cmd);
	printf(", \"authenticated\": %s, \"status\": %u, \"elapsed_ms\": %llu, \"error\": ",
	       authenticated && rc == 0 ? "true" : "false", st.last_status,
	       (unsigned long long)elapsed_ms);
	if (rc == 0 || c == NULL)
		printf(rc == 0 ? "null" : "\"setup failed\"");
	else
		json_str(stdout, sw_client_error(c));
	printf(",\n \"local\": ");
	json_str(stdout, c != NULL ? sw_client_local(c) : "");
	printf(",\n \"stats\": {\"requests\": %u, \"retransmissions\": %u, \"challenges\": %u, "
	       "\"handshake_legs\": %u, \"signed_requests\": %u, \"verified_responses\": %u, "
	       "\"dropped_responses\": %u, \"backoffs\": %u, \"incoming\": %u, "
	       "\"incoming_verified\": %u, \"incoming_refused\": %u, \"incoming_retrans\": %u, "
	       "\"signed_responses\": %u},\n \"sas\": [",
	       st.requests, st.retransmissions, st.challenges, st.handshakes, st.signed_requests,
	       st.verified_responses, st.dropped_responses, st.backoffs, st.incoming,
	       st.incoming_verified, st.incoming_refused, st.incoming_retrans, st.signed_responses);
	for (i = 0; i < n; i++) {
		printf("%s\n  {\"targetname\": ", i == 0 ? "" : ",");
		json_str(stdout, sas[i].targetname);
		printf(", \"scheme\": ");
		json_str(stdout, sw_scheme_name(sas[i].scheme) != NULL
					 ? sw_scheme_name(sas[i].scheme)
					 : "");
		printf(", \"state\": ");
		json_str(stdout, sw_sa_state_name(sas[i].state));
		printf(", \"realm\": ");
		json_str(stdout, sas[i].realm);
		printf(", \"opaque\": ");
		json_str(stdout, sas[i].opaque);
		printf(", \"version\": %u, \"family\": %u, \"cnum\": %llu, \"enctype\": %d, "
		       "\"mutual_verified\": %s, \"backoffs\": %u}",
		       sas[i].version, sas[i].family, (unsigned long long)sas[i].cnum,
		       sas[i].enctype, sas[i].mutual_verified ? "true" : "false", sas[i].backoffs);
	}
	printf("%s]", n != 0 ? "\n " : "");
	if (strstr(cmd, "listen") != NULL)
		print_received();
	printf("}\n");
}

/* One command of the command line (several run in order on the same client). */
#define STEPS_MAX 16u
struct step {
	const char *cmd, *to, *text;
	unsigned int count;  /* listen: 0 = --count before the command, else the maximum */
	uint32_t timeout_ms; /* listen: 0 = --timeout, else 32 s */
};

static bool
is_command(const char *w)
{
	static const char *const words[] = {"register", "unregister", "options",
					    "message",	"invite",     "listen"};
	unsigned int i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && end != s && *out <= max ? 0 : -1;
}

enum {
	OPT_PROXY = 256,
	OPT_USER,
	OPT_MECH,
	OPT_PWFILE,
	OPT_KEYTAB,
	OPT_CCACHE,
	OPT_PREAUTH,
	OPT_MUTUAL,
	OPT_VERSION,
	OPT_JSON,
	OPT_LOCAL,
	OPT_TIMEOUT,
	OPT_T1,
	OPT_T2,
	OPT_BACKOFF,
	OPT_REALM,
	OPT_TARGET,
	OPT_FAMILY,
	OPT_EXPIRES,
	OPT_NTLM_DOMAIN,
	OPT_NTLM_NO_MIC,
	OPT_GSS_MIC,
	OPT_COUNT,
	OPT_OUT,
	OPT_PER_SA,
	OPT_METHOD,
	OPT_TO,
	OPT_SA_FILE,
	OPT_XML,
	OPT_AOR_DOMAIN,
	OPT_NO_VERSION_PARAM,
	OPT_HELP,
};

/*
 * A presign option (before or after the command word): 1 if @p opt is one
 * and was taken, 0 if it is not a presign option, -1 for a bad value.
 */
static int
presign_opt(int opt, const char *arg, struct sw_cl_presign_cfg *pc)
{
	unsigned long v;

	switch (opt) {
	case OPT_COUNT:
		if (parse_uint(arg, 1000000, &v) != 0 || v == 0)
			return -1;
		pc->count = (unsigned int)v;
		return 1;
	case OPT_OUT:
		pc->csv_path = arg;
		return 1;
	case OPT_PER_SA:
		if (parse_uint(arg, 10000000, &v) != 0 || v == 0)
			return -1;
		pc->per_sa = (unsigned int)v;
		return 1;
	case OPT_METHOD:
		pc->method = arg;
		return 1;
	case OPT_TO:
		pc->to = arg;
		return 1;
	case OPT_SA_FILE:
		pc->sa_file = arg;
		return 1;
	case OPT_XML:
		pc->xml_path = arg;
		return 1;
	default:
		return 0;
	}
}

static int
run_listen(struct sw_client *c, const struct step *sp, unsigned int count, uint32_t timeout_ms)
{
	struct sw_cl_listen l;
	struct sigaction sa;
	int rc;

	memset(&l, 0, sizeof(l));
	l.count = sp->count != 0 ? sp->count : count != 0 ? count : SW_CL_LISTEN_COUNT_MAX;
	l.timeout_ms = sp->timeout_ms != 0 ? sp->timeout_ms : timeout_ms;
	l.stop = stop_poll;
	l.rx = listen_rx;
	l.rx_cap = sizeof(listen_rx) / sizeof(listen_rx[0]);
	/* No SA_RESTART: the signal interrupts the wait, the loop then sees the flag. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = sw_client_listen(c, &l);
	listen_n = l.n_rx;
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"proxy", required_argument, NULL, OPT_PROXY},
		{"user", required_argument, NULL, OPT_USER},
		{"mech", required_argument, NULL, OPT_MECH},
		{"password-file", required_argument, NULL, OPT_PWFILE},
		{"keytab", required_argument, NULL, OPT_KEYTAB},
		{"ccache", required_argument, NULL, OPT_CCACHE},
		{"preauth", no_argument, NULL, OPT_PREAUTH},
		{"mutual", no_argument, NULL, OPT_MUTUAL},
		{"version", required_argument, NULL, OPT_VERSION},
		{"json", no_argument, NULL, OPT_JSON},
		{"local", required_argument, NULL, OPT_LOCAL},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"t1", required_argument, NULL, OPT_T1},
		{"t2", required_argument, NULL, OPT_T2},
		{"backoff", required_argument, NULL, OPT_BACKOFF},
		{"realm", required_argument, NULL, OPT_REALM},
		{"targetname", required_argument, NULL, OPT_TARGET},
		{"family", required_argument, NULL, OPT_FAMILY},
		{"expires", required_argument, NULL, OPT_EXPIRES},
		{"ntlm-domain", required_argument, NULL, OPT_NTLM_DOMAIN},
		{"ntlm-no-mic", no_argument, NULL, OPT_NTLM_NO_MIC},
		{"gss-mic", no_argument, NULL, OPT_GSS_MIC},
		{"count", required_argument, NULL, OPT_COUNT},
		{"out", required_argument, NULL, OPT_OUT},
		{"per-sa", required_argument, NULL, OPT_PER_SA},
		{"method", required_argument, NULL, OPT_METHOD},
		{"to", required_argument, NULL, OPT_TO},
		{"sa-file", required_argument, NULL, OPT_SA_FILE},
		{"xml", required_argument, NULL, OPT_XML},
		{"aor-domain", required_argument, NULL, OPT_AOR_DOMAIN},
		{"no-version-param", no_argument, NULL, OPT_NO_VERSION_PARAM},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	struct sw_cl_config cfg;
	struct sw_cl_presign_cfg pc;
	struct sw_client *c = NULL;
	char proxy[256], *password = NULL;
	const char *pwfile = NULL, *cmd;
	struct step steps[STEPS_MAX];
	unsigned int n_steps = 0, k;
	char cmdline[256] = "";
	unsigned long v;
	unsigned int verbose = 0;
	bool json = false;
	uint64_t t0;
	int opt, rc;

	memset(&cfg, 0, sizeof(cfg));
	memset(&pc, 0, sizeof(pc));
	proxy[0] = '\0';
	while ((opt = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			verbose++;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_PROXY: {
			/* HOST, HOST:PORT, [V6] or [V6]:PORT. */
			const char *port = NULL;

			if (optarg[0] == '[') {
				const char *rb = strchr(optarg, ']');

				if (rb == NULL || (rb[1] != '\0' && rb[1] != ':'))
					goto bad;
				snprintf(proxy, sizeof(proxy), "%.*s", (int)(rb - optarg - 1),
					 optarg + 1);
				port = rb[1] == ':' ? rb + 2 : NULL;
			} else {
				const char *colon = strrchr(optarg, ':');

				if (colon != NULL && strchr(optarg, ':') != colon)
					colon = NULL; /* a bare IPv6 address */
				snprintf(proxy, sizeof(proxy), "%.*s",
					 colon != NULL ? (int)(colon - optarg)
						       : (int)strlen(optarg),
					 optarg);
				port = colon != NULL ? colon + 1 : NULL;
			}
			if (port != NULL) {
				if (parse_uint(port, 65535, &v) != 0 || v == 0)
					goto bad;
				cfg.proxy_port = (uint16_t)v;
			}
			if (proxy[0] == '\0')
				goto bad;
			cfg.proxy_host = proxy;
			break;
		}
		case OPT_USER:
			cfg.user = optarg;
			break;
		case OPT_MECH:
			if (strcmp(optarg, "kerberos") == 0)
				cfg.mechs = 1u << SW_SCHEME_KERBEROS;
			else if (strcmp(optarg, "ntlm") == 0)
				cfg.mechs = 1u << SW_SCHEME_NTLM;
			else
				goto bad;
			break;
		case OPT_PWFILE:
			pwfile = optarg;
			break;
		case OPT_KEYTAB:
			cfg.krb_src = SW_CL_KRB_KEYTAB;
			cfg.krb_keytab = optarg;
			break;
		case OPT_CCACHE:
			cfg.krb_src = SW_CL_KRB_CCACHE;
			cfg.krb_ccache = optarg;
			break;
		case OPT_PREAUTH:
			cfg.preauth = true;
			break;
		case OPT_MUTUAL:
			cfg.mutual = true;
			break;
		case OPT_VERSION:
			if (parse_uint(optarg, 4, &v) != 0 || v < 2)
				goto bad;
			cfg.version = (unsigned int)v;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_LOCAL:
			cfg.local = optarg;
			break;
		case OPT_TIMEOUT: {
			char *end;
			double s = strtod(optarg, &end);

			if (*end != '\0' || s <= 0 || s > 86400)
				goto bad;
			cfg.timeout_ms = (uint32_t)(s * 1000.0);
			break;
		}
		case OPT_T1:
			if (parse_uint(optarg, 60000, &v) != 0 || v == 0)
				goto bad;
			cfg.t1_ms = (uint32_t)v;
			break;
		case OPT_T2:
			if (parse_uint(optarg, 600000, &v) != 0 || v == 0)
				goto bad;
			cfg.t2_ms = (uint32_t)v;
			break;
		case OPT_BACKOFF:
			if (parse_uint(optarg, 86400000, &v) != 0 || v == 0)
				goto bad;
			cfg.backoff_ms = (uint32_t)v;
			break;
		case OPT_REALM:
			cfg.realm = optarg;
			break;
		case OPT_TARGET:
			cfg.targetname = optarg;
			break;
		case OPT_FAMILY:
			if (parse_uint(optarg, 999, &v) != 0 || (v != 401 && v != 407))
				goto bad;
			cfg.family = (uint16_t)v;
			break;
		case OPT_EXPIRES:
			if (parse_uint(optarg, UINT32_MAX, &v) != 0 || v == 0)
				goto bad;
			cfg.expires = (uint32_t)v;
			break;
		case OPT_NTLM_DOMAIN:
			cfg.ntlm_domain = optarg;
			break;
		case OPT_NTLM_NO_MIC:
			cfg.ntlm_no_mic = true;
			break;
		case OPT_GSS_MIC:
			cfg.use_gss_mic = true;
			break;
		case OPT_AOR_DOMAIN:
			cfg.aor_domain = optarg;
			break;
		case OPT_NO_VERSION_PARAM:
			cfg.sign_no_version = true;
			break;
		default:
			switch (presign_opt(opt, optarg, &pc)) {
			case 1:
				break;
			case -1:
				goto bad;
			default:
				usage(stderr);
				return 2;
			}
			break;
		}
		continue;
	bad:
		fprintf(stderr, "sipward-client: bad value for --%s: %s\n",
			opts[opt - OPT_PROXY].name, optarg);
		return 2;
	}
	if (optind >= argc || cfg.proxy_host == NULL || cfg.user == NULL) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "presign") != 0) {
		/* One or more commands, run in order on the same client (SAs). */
		size_t cl = 0;

		optind--;
		while (optind < argc) {
			struct step *sp;

			if (n_steps == STEPS_MAX) {
				fprintf(stderr, "sipward-client: more than %u commands\n",
					STEPS_MAX);
				return 2;
			}
			sp = &steps[n_steps++];
			sp->cmd = argv[optind++];
			sp->to = sp->text = NULL;
			sp->count = 0;
			sp->timeout_ms = 0;
			if (strcmp(sp->cmd, "listen") == 0) {
				/* Its own bounds may follow the word. */
				while (optind + 1 < argc &&
				       (strcmp(argv[optind], "--count") == 0 ||
					strcmp(argv[optind], "--timeout") == 0)) {
					const char *a = argv[optind + 1];

					if (strcmp(argv[optind], "--count") == 0) {
						if (parse_uint(a, SW_CL_LISTEN_COUNT_MAX, &v) !=
							    0 ||
						    v == 0) {
							fprintf(stderr,
								"sipward-client: bad value for "
								"--count: %s (1..%u)\n",
								a, SW_CL_LISTEN_COUNT_MAX);
							return 2;
						}
						sp->count = (unsigned int)v;
					} else {
						char *end;
						double s = strtod(a, &end);

						if (*end != '\0' || s <= 0 || s > 86400) {
							fprintf(stderr,
								"sipward-client: bad value for "
								"--timeout: %s\n",
								a);
							return 2;
						}
						sp->timeout_ms = (uint32_t)(s * 1000.0);
					}
					optind += 2;
				}
			} else if (strcmp(sp->cmd, "options") == 0 ||
				   strcmp(sp->cmd, "message") == 0 ||
				   strcmp(sp->cmd, "invite") == 0) {
				if (optind >= argc) {
					fprintf(stderr, "sipward-client: %s needs a target\n",
						sp->cmd);
					return 2;
				}
				sp->to = argv[optind++];
				if (strcmp(sp->cmd, "message") == 0 && optind < argc &&
				    !is_command(argv[optind]))
					sp->text = argv[optind++];
			} else if (strcmp(sp->cmd, "register") != 0 &&
				   strcmp(sp->cmd, "unregister") != 0) {
				fprintf(stderr, "sipward-client: unknown command %s\n", sp->cmd);
				usage(stderr);
				return 2;
			}
			cl += (size_t)snprintf(cmdline + cl, sizeof(cmdline) - cl, "%s%s",
					       cl != 0 ? " " : "", sp->cmd);
			if (cl >= sizeof(cmdline))
				cl = sizeof(cmdline) - 1;
		}
		cmd = cmdline;
	} else {
		/* presign options may also follow the command word. */
		while ((opt = getopt_long(argc, argv, "+v", opts, NULL)) != -1) {
			switch (opt) {
			case 'v':
				verbose++;
				break;
			case OPT_JSON:
				json = true;
				break;
			default: {
				int r = presign_opt(opt, optarg, &pc);

				if (r == 1)
					break;
				if (r == 0)
					fprintf(stderr,
						"sipward-client: option not valid after presign\n");
				return 2;
			}
			}
		}
		if (pc.csv_path == NULL || (pc.count == 0 && pc.sa_file == NULL)) {
			fprintf(stderr, "sipward-client: presign needs --out and --count "
					"(or an existing --sa-file)\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sipward-client: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (pwfile != NULL) {
		password = read_password(pwfile);
		if (password == NULL)
			return 2;
		cfg.password = password;
		if (cfg.krb_src == SW_CL_KRB_DEFAULT)
			cfg.krb_src = SW_CL_KRB_PASSWORD;
	}
	if (cfg.mechs == (1u << SW_SCHEME_NTLM) && password == NULL) {
		fprintf(stderr, "sipward-client: --mech ntlm needs --password-file\n");
		return 2;
	}
	cfg.log = log_stderr;
	cfg.log_arg = &verbose;
	cfg.log_messages = verbose > 1;

	t0 = mono_ms();
	rc = sw_client_create(&cfg, &c);
	if (password != NULL) {
		sw_cl_wipe(password, strlen(password));
		free(password);
	}
	if (rc != 0) {
		fprintf(stderr, "sipward-client: setup failed: %s\n", strerror(-rc));
		if (json)
			print_json(NULL, cmd, rc, mono_ms() - t0);
		return 1;
	}
	if (n_steps == 0)
		rc = sw_client_presign(c, &pc);
	for (k = 0; k < n_steps && rc == 0; k++) {
		const struct step *sp = &steps[k];

		if (strcmp(sp->cmd, "register") == 0)
			rc = sw_client_register(c);
		else if (strcmp(sp->cmd, "unregister") == 0)
			rc = sw_client_unregister(c);
		else if (strcmp(sp->cmd, "options") == 0)
			rc = sw_client_request(c, "OPTIONS", sp->to, NULL);
		else if (strcmp(sp->cmd, "message") == 0)
			rc = sw_client_request(c, "MESSAGE", sp->to, sp->text);
		else if (strcmp(sp->cmd, "listen") == 0)
			rc = run_listen(c, sp, pc.count, cfg.timeout_ms);
		else
			rc = sw_client_request(c, "INVITE", sp->to, NULL);
	}

	if (json)
		print_json(c, cmd, rc, mono_ms() - t0);
	if (rc != 0 && verbose > 0)
		fprintf(stderr, "sipward-client: %s: %s\n", cmd, sw_client_error(c));
	else if (rc == 0 && !json && verbose == 0)
		fprintf(stderr, "sipward-client: %s: ok\n", cmd);
	sw_client_free(c);
	(void)SW_VERSION;
	return rc == 0 ? 0 : 1;
}
