/**
 * DUMP payloads (cluster.c createDumpPayload() / verifyDumpPayload()):
 *
 *   <RDB type byte + serialized value> <RDB version: u16 LE> <CRC64: u64 LE>
 *
 * the CRC covering everything before it.
 */
import type { EncodingConfig, RValue } from '../../store/types.js';
import { Crc64 } from './crc64.js';
import { rdbEncodeValue, type EncodeOptions } from './writer.js';
import { RDB_VERSION } from './constants.js';

/** createDumpPayload(). */
export function createDumpPayload(value: RValue, cfg: EncodingConfig, opts?: Partial<EncodeOptions>): Buffer {
  const body = rdbEncodeValue(value, cfg, opts);
  const out = Buffer.allocUnsafe(body.length + 10);
  body.copy(out, 0);
  out[body.length] = RDB_VERSION & 0xff;
  out[body.length + 1] = (RDB_VERSION >> 8) & 0xff;
  new Crc64().update(out, 0, body.length + 2).writeLE(out, body.length + 2);
  return out;
}

/**
 * verifyDumpPayload(): the footer's RDB version must not be newer than
 * ours, and the CRC64 must match (unless `skipChecksum`).
 */
export function verifyDumpPayload(p: Uint8Array, skipChecksum = false): boolean {
  const len = p.length;
  if (len < 10) return false;
  const rdbver = (p[len - 9] << 8) | p[len - 10];
  if (rdbver > RDB_VERSION) return false;
  if (skipChecksum) return true;
  return new Crc64().update(p, 0, len - 8).equalsLE(p, len - 8);
}

/** Servers with DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 (server.skip_checksum_validation). */
const skipChecksum = new WeakSet<object>();

export function setSkipChecksumValidation(server: object, on: boolean): void {
  if (on) skipChecksum.add(server);
  else skipChecksum.delete(server);
}

/** True when RESTORE payloads and RDB files are loaded without checking their CRC64. */
export function skipChecksumValidation(server: object): boolean {
  return skipChecksum.has(server);
}
