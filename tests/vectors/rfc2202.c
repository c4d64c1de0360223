/*
 * RFC 2202, "Test Cases for HMAC-MD5 and HMAC-SHA-1" (Cheng, Glenn,
 * September 1997): every case of section 2 (HMAC-MD5) and section 3
 * (HMAC-SHA-1), including the 96-bit truncations of case 5.
 */

#include <stddef.h>

#include "tests/vectors/hmac_vectors.h"

const struct sw_hmac_vector sw_vec_rfc2202[] = {
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 1",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		.msg = "Hi There",
		.tag_hex = "9294727a3638bb1c13f48ef8158bfc9d",
	},
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 2",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "4a656665",
		.msg = "what do ya want for nothing?",
		.tag_hex = "750c783e6ab0b503eaa86e310a5db738",
	},
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 3",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg_hex = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
			   "dddddddddddddddddddddddddddddddddddd",
		.tag_hex = "56be34521d144c88dbb8c733f0e8b3f6",
	},
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 4",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "0102030405060708090a0b0c0d0e0f10111213141516171819",
		.msg_hex = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
			   "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		.tag_hex = "697eaf0aca3a3aea3a75164746ffaa79",
	},
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 5",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		.msg = "Test With Truncation",
		.tag_hex = "56461ef2342edc00f9bab995690efd4c",
	},
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 5 (digest-96)",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		.msg = "Test With Truncation",
		.tag_hex = "56461ef2342edc00f9bab995",
	},
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 6",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg = "Test Using Larger Than Block-Size Key - Hash Key First",
		.tag_hex = "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
	},
	{
		.name = "RFC 2202 §2 HMAC-MD5 case 7",
		.alg = SW_MAC_HMAC_MD5,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
		.tag_hex = "6f630fad67cda0ee1fb1f562db3aa53e",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 1",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		.msg = "Hi There",
		.tag_hex = "b617318655057264e28bc0b6fb378c8ef146be00",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 2",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "4a656665",
		.msg = "what do ya want for nothing?",
		.tag_hex = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 3",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg_hex = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
			   "dddddddddddddddddddddddddddddddddddd",
		.tag_hex = "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 4",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "0102030405060708090a0b0c0d0e0f10111213141516171819",
		.msg_hex = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
			   "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		.tag_hex = "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 5",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		.msg = "Test With Truncation",
		.tag_hex = "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 5 (digest-96)",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		.msg = "Test With Truncation",
		.tag_hex = "4c1a03424b55e07fe7f27be1",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 6",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg = "Test Using Larger Than Block-Size Key - Hash Key First",
		.tag_hex = "aa4ae5e15272d00e95705637ce8a3b55ed402112",
	},
	{
		.name = "RFC 2202 §3 HMAC-SHA-1 case 7",
		.alg = SW_MAC_HMAC_SHA1,
		.key_hex = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.msg = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
		.tag_hex = "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
	},
};

const size_t sw_vec_rfc2202_n = sizeof(sw_vec_rfc2202) / sizeof(sw_vec_rfc2202[0]);
