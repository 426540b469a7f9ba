#!/usr/bin/env node
/**
 * Generates src/commands/reference.json: the public command interface of
 * redis-server 7.0.15 as COMMAND INFO and COMMAND DOCS report it (arity,
 * flags, legacy key range, ACL categories, tips, key specs and docs for
 * every command and subcommand). Nodis answers COMMAND INFO / DOCS /
 * GETKEYSANDFLAGS from this file, and test/unit/command-table.test.ts checks
 * the live command table against it.
 *
 * When to regenerate: only when Nodis moves to another Redis version it is
 * compatible with (REDIS_VERSION in src/server/server.ts). The output is
 * deterministic, so regenerating against the same Redis version gives a
 * byte-identical file.
 *
 * How:
 *   node scripts/gen-command-reference.mjs                 # starts redis-server from $PATH on a free port
 *   node scripts/gen-command-reference.mjs --port 6379     # reads an already running server
 *   REDIS_SERVER=/opt/redis/bin/redis-server node scripts/gen-command-reference.mjs
 * Options: --out <file> (default src/commands/reference.json),
 *          --expect-version <v> (default 7.0.15; --expect-version any skips the check).
 *
 * No dependencies: a small RESP3 client is included below.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { port: null, host: '127.0.0.1', out: path.join(ROOT, 'src/commands/reference.json'), expectVersion: '7.0.15' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') opts.port = Number(next());
    else if (a === '--host') opts.host = next();
    else if (a === '--out') opts.out = path.resolve(next());
    else if (a === '--expect-version') opts.expectVersion = next();
    else if (a === '--help' || a === '-h') {
      console.log('usage: gen-command-reference.mjs [--port N] [--host H] [--out FILE] [--expect-version V|any]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

// ---- a minimal RESP3 client --------------------------------------------------

/** Typed reply values: maps and sets are tagged so their shape is known. */
class RMap {
  constructor(entries) {
    this.entries = entries;
  }
  get(k) {
    for (const [key, v] of this.entries) if (key === k) return v;
    return undefined;
  }
  has(k) {
    return this.entries.some(([key]) => key === k);
  }
}
class RSet {
  constructor(items) {
    this.items = items;
  }
}
class RStatus {
  constructor(s) {
    this.s = s;
  }
}
class RError extends Error {}

/** Parse one reply at `pos`; returns [value, nextPos] or null if incomplete. */
function parseReply(buf, pos) {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl === -1) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, nl);
  let p = nl + 2;
  const aggregate = (n, build) => {
    const items = [];
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (r === null) return null;
      items.push(r[0]);
      p = r[1];
    }
    return [build(items), p];
  };
  switch (type) {
    case '+':
      return [new RStatus(line), p];
    case '-':
      return [new RError(line), p];
    case ':':
      return [Number(line), p];
    case '_':
      return [null, p];
    case '#':
      return [line === 't', p];
    case ',':
      return [Number(line), p];
    case '$':
    case '=': {
      const n = Number(line);
      if (n < 0) return [null, p];
      if (buf.length < p + n + 2) return null;
      return [buf.toString('utf8', p, p + n), p + n + 2];
    }
    case '*':
      if (Number(line) < 0) return [null, p];
      return aggregate(Number(line), (xs) => xs);
    case '~':
      return aggregate(Number(line), (xs) => new RSet(xs));
    case '%':
      return aggregate(Number(line) * 2, (xs) => {
        const e = [];
        for (let i = 0; i < xs.length; i += 2) e.push([xs[i], xs[i + 1]]);
        return new RMap(e);
      });
    default:
      throw new Error(`unexpected reply type ${JSON.stringify(type)}`);
  }
}

class Conn {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
  }
  static open(host, port) {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  pump() {
    while (this.waiters.length > 0) {
      const r = parseReply(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r[1]);
      this.waiters.shift()(r[0]);
    }
  }
  call(...args) {
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiters.push((v) => (v instanceof RError ? reject(new Error(v.message)) : resolve(v)));
      this.sock.write(s);
    });
  }
  close() {
    this.sock.end();
  }
}

// ---- starting a throwaway redis-server -----------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startRedis() {
  const bin = process.env.REDIS_SERVER || 'redis-server';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-cmdref-'));
  const port = await freePort();
  const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const stop = () => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${bin} exited with code ${proc.exitCode}`);
    try {
      const c = await Conn.open('127.0.0.1', port);
      return { port, conn: c, stop };
    } catch {
      if (Date.now() > deadline) {
        stop();
        throw new Error(`${bin} did not accept connections on port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

// ---- converting replies --------------------------------------------------------

const str = (v) => (v instanceof RStatus ? v.s : v);
const setItems = (v) => {
  if (!(v instanceof RSet)) throw new Error('expected a set reply');
  return v.items.map(str);
};

function keySpec(m) {
  const out = {};
  if (m.has('notes')) out.notes = m.get('notes');
  out.flags = setItems(m.get('flags'));
  for (const part of ['begin_search', 'find_keys']) {
    const p = m.get(part);
    const spec = {};
    for (const [k, v] of p.get('spec').entries) spec[k] = v;
    out[part] = { type: p.get('type'), spec };
  }
  return out;
}

/** COMMAND INFO entry (a 10-element array) into `entries`, subcommands too. */
function addInfo(entries, info) {
  const [name, arity, flags, first, last, step, acl, tips, specs, subs] = info;
  const e = {
    arity,
    flags: setItems(flags),
    first,
    last,
    step,
    acl: setItems(acl).map((c) => c.replace(/^@/, '')),
    tips: setItems(tips),
    key_specs: setItems(specs).map(keySpec),
  };
  const subNames = [];
  if (Array.isArray(subs)) {
    for (const s of subs) {
      addInfo(entries, s);
      subNames.push(s[0]);
    }
  }
  if (subNames.length > 0) e.subcommands = subNames.sort();
  entries.set(name, e);
}

function arg(m) {
  const out = {};
  for (const [k, v] of m.entries) {
    if (k === 'flags') out.flags = setItems(v);
    else if (k === 'arguments') out.arguments = v.map(arg);
    else out[k] = v;
  }
  return out;
}

/** COMMAND DOCS entry into docs, keeping Redis's field order and presence. */
function addDocs(docs, name, m) {
  const d = {};
  for (const [k, v] of m.entries) {
    if (k === 'doc_flags') d.doc_flags = setItems(v);
    else if (k === 'history') d.history = v.items.map((h) => [h[0], h[1]]);
    else if (k === 'arguments') d.arguments = v.map(arg);
    else if (k === 'subcommands') {
      for (const [sub, sm] of v.entries) addDocs(docs, sub, sm);
    } else d[k] = v;
  }
  docs.set(name, d);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let conn;
  let stop = () => {};
  if (opts.port !== null) {
    conn = await Conn.open(opts.host, opts.port);
  } else {
    const r = await startRedis();
    conn = r.conn;
    stop = r.stop;
  }
  try {
    const hello = await conn.call('HELLO', '3');
    const version = hello.get('version');
    if (opts.expectVersion !== 'any' && version !== opts.expectVersion) {
      throw new Error(`redis-server reports version ${version}, expected ${opts.expectVersion} (use --expect-version)`);
    }
    const entries = new Map();
    for (const info of await conn.call('COMMAND', 'INFO')) addInfo(entries, info);
    const docs = new Map();
    for (const [name, m] of (await conn.call('COMMAND', 'DOCS')).entries) addDocs(docs, name, m);

    const names = [...entries.keys()].sort();
    for (const n of docs.keys()) if (!entries.has(n)) throw new Error(`COMMAND DOCS lists ${n} but COMMAND INFO does not`);
    const lines = [];
    for (const n of names) {
      const e = entries.get(n);
      const d = docs.get(n);
      if (d === undefined) throw new Error(`no COMMAND DOCS entry for ${n}`);
      const { subcommands, ...rest } = e;
      const obj = { ...rest, docs: d };
      if (subcommands) obj.subcommands = subcommands;
      lines.push(`${JSON.stringify(n)}:${JSON.stringify(obj)}`);
    }
    const text =
      `{"generator":"scripts/gen-command-reference.mjs","redis_version":${JSON.stringify(version)},"commands":{\n` +
      lines.join(',\n') +
      '\n}}\n';
    fs.writeFileSync(opts.out, text);
    console.log(`wrote ${path.relative(process.cwd(), opts.out)}: ${names.length} commands and subcommands from redis ${version}`);
  } finally {
    conn.close();
    stop();
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
