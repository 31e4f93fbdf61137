/**
 * The codec chain of repository objects (WAL segments, backup files), composed in one place:
 * {@link dev.pgvault.storage.codec.ObjectEncoder} writes, {@link
 * dev.pgvault.storage.codec.ObjectDecoder} reads.
 *
 * <pre>
 * write: plain -> SHA-256 + length -> compress (zstd|lz4|gzip|none) -> CRC-32C -> + trailer -> [encrypt] -> sink
 * read:  stored -> header -> [decrypt, tag per chunk] -> split off trailer, CRC-32C -> decompress -> verify at EOF
 * </pre>
 *
 * <p>Format versions 1 and 2, integers big-endian:
 *
 * <pre>
 * object  = header body
 * header  = "PGVO" version(1) compression(1) cipher(1) reserved(1)=0      8 bytes
 *           [cipher 1: kdf(1) iterations(4) [kdf 2: kdfSalt(16)] salt(16) noncePrefix(7) keyCheck(16)]  +44 or +60 bytes
 *           [version 2: keyLength(2) key(keyLength, UTF-8)]           the key it was stored under
 * body    = compressed trailer                                  (cipher 0)
 *         | seal(compressed trailer) in 64 KiB chunks           (cipher 1, see ChunkCipher)
 * trailer = sha256(plain)(32) length(plain)(8) crc32c(header compressed)(4)
 * compression: 0 none, 1 zstd frame, 2 lz4 frame, 3 gzip member
 * cipher:      0 none, 1 AES-256-GCM, chunk i sealed as len+16 bytes with nonce
 *              noncePrefix||i(4)||last(1) and associated data header||i(4)||last(1)
 * kdf 2:       master = PBKDF2-HMAC-SHA256(passphrase, kdfSalt, iterations, 32), kdfSalt the stanza's
 *              (recorded by the header of its cluster.json, where writers take it)
 * kdf 1:       master = PBKDF2-HMAC-SHA256(passphrase, "pgvault/cipher-pass/v1", iterations, 32); still read
 * both:        prk = HKDF-Extract(salt, master); aes key = HKDF-Expand(prk, "pgvault v1 aes-256-gcm key", 32)
 *              keyCheck = HKDF-Expand(prk, "pgvault v1 key check", 16)
 * version:     1 binds the object to no key (still read); 2, written by every store since,
 *              binds it to its key: read under any other key it is refused, so an intact object
 *              moved or swapped in the repository (one WAL segment for another) is never taken
 *              for the object asked for
 * </pre>
 */
package dev.pgvault.storage.codec;
