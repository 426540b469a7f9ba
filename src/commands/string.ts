/** String commands (t_string.c). */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asString, getLongLong } from './args.js';
import { lookupRead, lookupWrite, setKey } from './db-ops.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../server/notify.js';

const OBJ_SET_NX = 1 << 0;
const OBJ_SET_XX = 1 << 1;
const OBJ_EX = 1 << 2;
const OBJ_PX = 1 << 3;
const OBJ_KEEPTTL = 1 << 4;
const OBJ_SET_GET = 1 << 5;
const OBJ_EXAT = 1 << 6;
const OBJ_PXAT = 1 << 7;
const OBJ_PERSIST = 1 << 8;

const UNIT_SECONDS = 0;
const UNIT_MILLISECONDS = 1;

export const COMMAND_GET = 0;
export const COMMAND_SET = 1;

const LLONG_MAX = 9223372036854775807;

export interface ExtendedStringArgs {
  flags: number;
  unit: number;
  expire: string | null;
}

/** parseExtendedStringArgumentsOrReply(): SET and GETEX options. */
export function parseExtendedStringArgs(argv: string[], commandType: number): ExtendedStringArgs {
  let flags = 0;
  let unit = UNIT_SECONDS;
  let expire: string | null = null;
  const isSet = commandType === COMMAND_SET;
  for (let j = isSet ? 3 : 2; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const hasNext = j < argv.length - 1;
    const anyExpire = OBJ_EX | OBJ_EXAT | OBJ_PX | OBJ_PXAT;
    if (opt === 'nx' && !(flags & OBJ_SET_XX) && isSet) {
      flags |= OBJ_SET_NX;
    } else if (opt === 'xx' && !(flags & OBJ_SET_NX) && isSet) {
      flags |= OBJ_SET_XX;
    } else if (opt === 'get' && isSet) {
      flags |= OBJ_SET_GET;
    } else if (opt === 'keepttl' && !(flags & OBJ_PERSIST) && !(flags & anyExpire) && isSet) {
      flags |= OBJ_KEEPTTL;
    } else if (opt === 'persist' && !isSet && !(flags & anyExpire) && !(flags & OBJ_KEEPTTL)) {
      flags |= OBJ_PERSIST;
    } else if (opt === 'ex' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EXAT | OBJ_PX | OBJ_PXAT)) && hasNext) {
      flags |= OBJ_EX;
      expire = argv[++j];
    } else if (opt === 'px' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PXAT)) && hasNext) {
      flags |= OBJ_PX;
      unit = UNIT_MILLISECONDS;
      expire = argv[++j];
    } else if (opt === 'exat' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_PX | OBJ_PXAT)) && hasNext) {
      flags |= OBJ_EXAT;
      expire = argv[++j];
    } else if (opt === 'pxat' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PX)) && hasNext) {
      flags |= OBJ_PXAT;
      unit = UNIT_MILLISECONDS;
      expire = argv[++j];
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  return { flags, unit, expire };
}

/** getExpireMillisecondsOrReply(): the absolute expire time in ms. */
export function getExpireMilliseconds(c: Client, expire: string, flags: number, unit: number): number {
  let ms = getLongLong(expire);
  if (ms <= 0 || (unit === UNIT_SECONDS && ms > LLONG_MAX / 1000)) {
    throw new RedisError(`invalid expire time in '${c.cmd!.fullname}' command`);
  }
  if (unit === UNIT_SECONDS) ms *= 1000;
  if (flags & (OBJ_PX | OBJ_EX)) ms += c.server.now();
  if (ms <= 0 || ms > LLONG_MAX) {
    throw new RedisError(`invalid expire time in '${c.cmd!.fullname}' command`);
  }
  return ms;
}

/** getGenericCommand(): reply with the value; false if it was no string. */
function getGeneric(c: Client, key: string): void {
  const v = asString(lookupRead(c, key));
  if (v === undefined) c.addReplyNull();
  else c.addReplyBulk(v);
}

function setGeneric(
  c: Client,
  flags: number,
  key: string,
  val: string,
  expire: string | null,
  unit: number,
  okReply: (() => void) | null,
  abortReply: (() => void) | null,
): void {
  let ms = 0;
  if (expire !== null) ms = getExpireMilliseconds(c, expire, flags, unit);
  if (flags & OBJ_SET_GET) getGeneric(c, key);
  const db = c.db;
  const found = lookupWrite(c, key) !== undefined;
  if ((flags & OBJ_SET_NX && found) || (flags & OBJ_SET_XX && !found)) {
    if (!(flags & OBJ_SET_GET)) {
      if (abortReply) abortReply();
      else c.addReplyNull();
    }
    return;
  }
  setKey(c, db, key, val, (flags & OBJ_KEEPTTL) !== 0);
  c.server.dirty++;
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'set', key, db.id);
  if (expire !== null) {
    db.setExpire(key, ms);
    c.ext.propagateArgv = ['SET', key, val, 'PXAT', String(ms)];
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'expire', key, db.id);
  } else if (flags & OBJ_SET_GET) {
    c.ext.propagateArgv = c.argv.filter((a, j) => j < 3 || a.toLowerCase() !== 'get');
  }
  if (!(flags & OBJ_SET_GET)) {
    if (okReply) okReply();
    else c.addReplyOK();
  }
}

function setCommand(c: Client, argv: string[]): void {
  // Fast path: plain SET key value.
  if (argv.length === 3) {
    const db = c.db;
    setKey(c, db, argv[1], argv[2]);
    c.server.dirty++;
    c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'set', argv[1], db.id);
    c.addReplyOK();
    return;
  }
  const { flags, unit, expire } = parseExtendedStringArgs(argv, COMMAND_SET);
  setGeneric(c, flags, argv[1], argv[2], expire, unit, null, null);
}

function setnxCommand(c: Client, argv: string[]): void {
  setGeneric(
    c,
    OBJ_SET_NX,
    argv[1],
    argv[2],
    null,
    0,
    () => c.addReplyLongLong(1),
    () => c.addReplyLongLong(0),
  );
}

function setexCommand(c: Client, argv: string[]): void {
  setGeneric(c, OBJ_EX, argv[1], argv[3], argv[2], UNIT_SECONDS, null, null);
}

function psetexCommand(c: Client, argv: string[]): void {
  setGeneric(c, OBJ_PX, argv[1], argv[3], argv[2], UNIT_MILLISECONDS, null, null);
}

function getCommand(c: Client, argv: string[]): void {
  getGeneric(c, argv[1]);
}

export const stringCommands: CommandSpec[] = [
  cmd('get', 2, ['readonly', 'fast'], [1, 1, 1], {
    acl: ['string'],
    handler: getCommand,
  }),
  cmd('set', -3, ['write', 'denyoom'], [1, 1, 1], {
    acl: ['string'],
    handler: setCommand,
  }),
  cmd('setnx', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], {
    acl: ['string'],
    handler: setnxCommand,
  }),
  cmd('setex', 4, ['write', 'denyoom'], [1, 1, 1], {
    acl: ['string'],
    handler: setexCommand,
  }),
  cmd('psetex', 4, ['write', 'denyoom'], [1, 1, 1], {
    acl: ['string'],
    handler: psetexCommand,
  }),
];
