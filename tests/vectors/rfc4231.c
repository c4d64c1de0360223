/*
 * RFC 4231, "Identifiers and Test Vectors for HMAC-SHA-224, HMAC-SHA-256,
 * HMAC-SHA-384, and HMAC-SHA-512" (Nystrom, December 2005), section 4:
 * the HMAC-SHA-256 and HMAC-SHA-384 results of test cases 1-7.  Case 5 is
 * truncated to 128 bits as the RFC gives it; cases 6 and 7 use a 131-byte
 * key, longer than both block sizes.
 */

#include <stddef.h>

#include "tests/vectors/hmac_vectors.h"

const struct sw_hmac_vector sw_vec_rfc4231[] = {
	{
		.name = "RFC 4231 §4.2 case 1 HMAC-SHA-256",
		.alg = SW_MAC_HMAC_SHA256,
		.key_hex = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		.msg = "Hi There",
		.tag_hex = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	},
	{
		.name = "RFC 4231 §4.2 case 1 HMAC-SHA-384",
		.alg = SW_MAC_HMAC_SHA384,
		.key_hex = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		.msg = "Hi There",
		.tag_hex = "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
			   "faea9ea9076ede7f4af152e8b2fa9cb6",
	},
	{
		.name = "RFC 4231 §4.3 case 2 HMAC-SHA-256",
		.alg = SW_MAC_HMAC_SHA256,
		.key_hex = "4a656665",
		.msg = "what do ya want for nothing?",
		.tag_hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	},
	{
		.name = "RFC 4231 §4.3 case 2 HMAC-SHA-384",
		.alg = SW_MAC_HMAC_SHA384,
		.key_hex = "4a656665",
		.msg = "what do ya want for nothing?",
		.tag_hex = "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
			   "8e2240ca5e69e2c78b3239ecfab21649",
	},
	{
		.name = "RFC 4231 §4.4 case 3 HMAC-SHA-256",
		.alg = SW_MAC_HMAC_SHA256,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg_hex = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
			   "dddddddddddddddddddddddddddddddddddd",
		.tag_hex = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	},
	{
		.name = "RFC 4231 §4.4 case 3 HMAC-SHA-384",
		.alg = SW_MAC_HMAC_SHA384,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg_hex = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
			   "dddddddddddddddddddddddddddddddddddd",
		.tag_hex = "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
			   "2a5ab39dc13814b94e3ab6e101a34f27",
	},
	{
		.name = "RFC 4231 §4.5 case 4 HMAC-SHA-256",
		.alg = SW_MAC_HMAC_SHA256,
		.key_hex = "0102030405060708090a0b0c0d0e0f10111213141516171819",
		.msg_hex = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
			   "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		.tag_hex = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	},
	{
		.name = "RFC 4231 §4.5 case 4 HMAC-SHA-384",
		.alg = SW_MAC_HMAC_SHA384,
		.key_hex = "0102030405060708090a0b0c0d0e0f10111213141516171819",
		.msg_hex = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
			   "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		.tag_hex = "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
			   "6801dd23c4a7d679ccf8a386c674cffb",
	},
	{
		.name = "RFC 4231 §4.6 case 5 (truncated to 128 bits) HMAC-SHA-256",
		.alg = SW_MAC_HMAC_SHA256,
		.key_hex = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		.msg = "Test With Truncation",
		.tag_hex = "a3b6167473100ee06e0c796c2955552b",
	},
	{
		.name = "RFC 4231 §4.6 case 5 (truncated to 128 bits) HMAC-SHA-384",
		.alg = SW_MAC_HMAC_SHA384,
		.key_hex = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		.msg = "Test With Truncation",
		.tag_hex = "3abf34c3503b2a23a46efc619baef897",
	},
	{
		.name = "RFC 4231 §4.7 case 6 (131-byte key) HMAC-SHA-256",
		.alg = SW_MAC_HMAC_SHA256,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaa",
		.msg = "Test Using Larger Than Block-Size Key - Hash Key First",
		.tag_hex = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	},
	{
		.name = "RFC 4231 §4.7 case 6 (131-byte key) HMAC-SHA-384",
		.alg = SW_MAC_HMAC_SHA384,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaa",
		.msg = "Test Using Larger Than Block-Size Key - Hash Key First",
		.tag_hex = "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
			   "0c2ef6ab4030fe8296248df163f44952",
	},
	{
		.name = "RFC 4231 §4.8 case 7 (131-byte key, 152-byte data) HMAC-SHA-256",
		.alg = SW_MAC_HMAC_SHA256,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaa",
		.msg = "This is a test using a larger than block-size key and a larger than "
		       "block-size data. The key needs to be hashed before being used by the HMAC "
		       "algorithm.",
		.tag_hex = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	},
	{
		.name = "RFC 4231 §4.8 case 7 (131-byte key, 152-byte data) HMAC-SHA-384",
		.alg = SW_MAC_HMAC_SHA384,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaa",
		.msg = "This is a test using a larger than block-size key and a larger than "
		       "block-size data. The key needs to be hashed before being used by the HMAC "
		       "algorithm.",
		.tag_hex = "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
			   "a678cc31e799176d3860e6110c46523e",
	},
};

const size_t sw_vec_rfc4231_n = sizeof(sw_vec_rfc4231) / sizeof(sw_vec_rfc4231[0]);
