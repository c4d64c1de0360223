#ifndef SW_NTLM_PRIV_H
#define SW_NTLM_PRIV_H

/*
 * Private to ctrlplane/ntlm_*.c and cp_ntlm.c: string conversions for NTLM
 * names.  NTLM carries names as UTF-16LE; accounts and SA identities are
 * UTF-8.  Case folding follows sw_ntlm_u16_upper() (see ntlm_str.c).
 */

#include <stddef.h>
#include <stdint.h>

/*
 * UTF-16LE (@p len bytes) to NUL-terminated UTF-8.  Rejects odd lengths,
 * unpaired surrogates and NUL characters.  With @p upper, each code unit is
 * upper-cased first.  @return UTF-8 length, -EINVAL, or -ENOSPC.
 */
int sw_ntlm_u16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap, int upper);

/*
 * UTF-8 (@p len bytes) to UTF-16LE, optionally upper-cased.  Rejects invalid
 * or overlong UTF-8, surrogates and NUL.  @return bytes written, -EINVAL or
 * -ENOSPC.
 */
int sw_ntlm_utf8_to_u16(const char *in, size_t len, uint8_t *out, size_t cap, int upper);

/* Upper case of one BMP code unit (Windows-style simple mapping, partial). */
uint16_t sw_ntlm_u16_upper(uint16_t c);

#endif /* SW_NTLM_PRIV_H */
