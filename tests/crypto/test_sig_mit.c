/*
 * The checksum inside every Kerberos MIC token we sign, recomputed by MIT
 * krb5's libk5crypto (krb5_c_make_checksum(), no KDC, no context) with the
 * usage MIT's GSS mechanism uses: 25 / 23 over (message | 16-byte header)
 * for RFC 4121 tokens (k5sealv3.c), 15 over (8-byte header | message) for
 * rc4-hmac (k5seal.c).  Whole-token comparisons against live MIT contexts
 * are in tests/xcheck.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <krb5.h>

#include "crypto/sig.h"
#include "tests/crypto/test_sig_ref.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct mit_case {
	const char *name;
	int enctype;
	size_t key_len;
	krb5_cksumtype cksumtype;
};

static const struct mit_case mit_cases[] = {
	{"aes128-cts-hmac-sha1-96", SW_ENCTYPE_AES128_SHA1, 16, CKSUMTYPE_HMAC_SHA1_96_AES128},
	{"aes256-cts-hmac-sha1-96", SW_ENCTYPE_AES256_SHA1, 32, CKSUMTYPE_HMAC_SHA1_96_AES256},
	{"aes128-cts-hmac-sha256-128", SW_ENCTYPE_AES128_SHA256, 16,
	 CKSUMTYPE_HMAC_SHA256_128_AES128},
	{"aes256-cts-hmac-sha384-192", SW_ENCTYPE_AES256_SHA384, 32,
	 CKSUMTYPE_HMAC_SHA384_192_AES256},
	{"rc4-hmac", SW_ENCTYPE_RC4_HMAC, 16, CKSUMTYPE_HMAC_MD5_ARCFOUR},
};

static const size_t lens[] = {0, 1, 47, 48, 64, 333, 1400};

static void
test_sig_mit_checksums_match(void **state)
{
	uint8_t key[32], buf[1400], token[SW_SIG_TOKEN_MAX], input[1416];
	uint64_t rnd = 0x5eed2000;
	struct sw_sig_key k;
	size_t c, l;
	int dir;

	(void)state;
	for (c = 0; c < ARRAY_LEN(mit_cases); c++) {
		const struct mit_case *m = &mit_cases[c];

		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			ref_fill(&rnd, key, sizeof(key));
			assert_int_equal(sw_sig_key_init_krb(&k, m->enctype, key, m->key_len,
							     (enum sw_dir)dir),
					 0);
			for (l = 0; l < ARRAY_LEN(lens); l++) {
				krb5_keyblock kb = {KV5M_KEYBLOCK, m->enctype,
						    (unsigned int)m->key_len, key};
				krb5_checksum ck;
				krb5_data d;
				krb5_keyusage usage;
				size_t off, n, len = lens[l];
				int tl;

				ref_fill(&rnd, buf, len);
				tl = sw_sig_sign(&k, buf, len, rnd, token, sizeof(token));
				assert_int_equal(tl, (int)sw_sig_token_len(&k));
				if (m->enctype == SW_ENCTYPE_RC4_HMAC) {
					memcpy(input, token + 13, 8);
					memcpy(input + 8, buf, len);
					n = len + 8;
					usage = 15;
					off = 29;
				} else {
					memcpy(input, buf, len);
					memcpy(input + len, token, 16);
					n = len + 16;
					usage = dir == SW_DIR_C2S ? 25 : 23;
					off = 16;
				}
				d.magic = KV5M_DATA;
				d.data = (char *)input;
				d.length = (unsigned int)n;
				assert_int_equal(krb5_c_make_checksum(NULL, m->cksumtype, &kb,
								      usage, &d, &ck),
						 0);
				assert_true(ck.length >= k.cksum_len);
				if (memcmp(ck.contents, token + off, k.cksum_len) != 0)
					fail_msg("%s dir %d len %zu: MIT checksum differs", m->name,
						 dir, len);
				krb5_free_checksum_contents(NULL, &ck);
			}
			sw_sig_key_wipe(&k);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_mit_checksums_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
