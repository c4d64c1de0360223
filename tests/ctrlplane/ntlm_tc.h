#ifndef SW_TEST_NTLM_TC_H
#define SW_TEST_NTLM_TC_H

/*
 * A small NTLMv2 initiator for tests (MS-NLMP §3.1.5.1.2), written directly on
 * OpenSSL so it shares no code with ctrlplane/cp_ntlm.c beyond the message
 * parser/builder.  Knobs produce the malformed and hostile variants the
 * acceptor must refuse.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tc_opts {
	const char *user;     /* UTF-8 (ASCII in these tests) */
	const char *domain;   /* may be "" */
	const char *password; /* NULL: use nt_hash */
	const uint8_t *nt_hash;
	uint32_t flags;			   /* 0: the challenge's flags */
	bool mic;			   /* set MsvAvFlags MIC bit and fill the MIC field */
	bool mic_field_only;		   /* lay out a MIC field but do not set the bit */
	bool mic_bit_no_field;		   /* set the bit but send no MIC field */
	bool tamper_mic;		   /* flip a MIC bit after computing it */
	bool tamper_avflags;		   /* change MsvAvFlags after computing the proof */
	bool v1;			   /* send a 24-byte NT response */
	bool lm_only;			   /* no NT response, 24-byte LM response */
	bool anonymous;			   /* no NT response, 1-byte LM response */
	bool no_key_exch_key;		   /* omit EncryptedRandomSessionKey */
	int64_t ts_offset;		   /* seconds added to the challenge's timestamp */
	const uint8_t *override_challenge; /* compute with another server challenge */
};

/*
 * Build an AUTHENTICATE_MESSAGE answering @p chal.  @p esk receives the
 * ExportedSessionKey the client chose.  @return message length or -1.
 */
int tc_authenticate(const uint8_t *chal, size_t chal_len, const struct tc_opts *o, uint8_t *out,
		    size_t cap, uint8_t esk[16]);

/* MD4(UTF-16LE(ASCII password)). */
void tc_nt_hash(const char *password, uint8_t out[16]);

#endif
