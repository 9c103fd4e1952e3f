// SPDX-License-Identifier: BSD-3-Clause
/*
 * digest.c - the fingerprint form, "sha256:" and 64 lower-case hex digits,
 * of a text the library has serialized (layout files, migration keys).
 * SHA-256 is libmd's (Debian libmd0, BSD-3-Clause): the library links no
 * OpenSSL for one hash function.
 */
#include <sha2.h>
#include <stdio.h>

#include "internal.h"

void pcl_fingerprint_of(const void *data, size_t len,
			char out[PCL_FINGERPRINT_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[SHA256_DIGEST_LENGTH];
	char *p = out;
	SHA2_CTX c;

	SHA256Init(&c);
	SHA256Update(&c, data, len);
	SHA256Final(md, &c);
	memcpy(p, "sha256:", 7);
	p += 7;
	for (size_t i = 0; i < sizeof(md); i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 0xf];
	}
	*p = '\0';
}
