/* CRC32C (Castagnoli), for the superblock's layout checksum. */
#ifndef MINT_SHM_CRC32C_H
#define MINT_SHM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
