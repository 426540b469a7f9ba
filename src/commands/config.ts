/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP (config.c), and the apply
 * functions of the directives that change listening sockets (port, bind).
 */
import { spawnSync } from 'node:child_process';
import type { Client } from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { HIDDEN_CONFIG, SENSITIVE_CONFIG, strerror, type ConfigDef } from '../server/config-defs.js';
import { rewriteConfig } from '../server/config-file.js';
import { stringMatch } from '../util/glob.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';

/** SLOWLOG and MONITOR show "(redacted)" for argument `i` (redactClientCommandArgument()). */
function redactArgument(c: Client, i: number): void {
  let orig = c.ext.originalArgv as string[] | undefined;
  if (orig === undefined) {
    orig = c.argv.slice();
    c.ext.originalArgv = orig;
  }
  orig[i] = '(redacted)';
}

/** islocalClient(): loopback TCP peers, unix sockets and in-process clients. */
export function isLocalClient(c: Client): boolean {
  const sock = c.socket;
  if (sock === null) return true;
  const addr = sock.remoteAddress;
  if (addr === undefined) return true; // unix socket
  const v4 = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return v4.startsWith('127.') || v4 === '::1';
}

/** allowProtectedAction() for enable-protected-configs / -debug-command / -module-command. */
export function allowProtectedAction(setting: number, c: Client): boolean {
  return setting === 1 || (setting === 2 && isLocalClient(c));
}

function configGetCommand(c: Client, argv: string[]): void {
  const cfg = c.server.config;
  // Lower-case name -> [reply key, definition]; insertion ordered.
  const matches = new Map<string, [string, ConfigDef]>();
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i];
    const nul = name.indexOf('\0');
    const cname = nul === -1 ? name : name.slice(0, nul);
    if (!/[[*?]/.test(cname)) {
      const key = name.toLowerCase();
      if (matches.has(key)) continue;
      const e = cfg.lookup(name);
      if (e) matches.set(key, [name, e.def]);
      continue;
    }
    for (const e of cfg.allEntries()) {
      if (e.def.flags & HIDDEN_CONFIG) continue;
      if (matches.has(e.name)) continue;
      if (stringMatch(name, e.name, true)) matches.set(e.name, [e.name, e.def]);
    }
  }
  c.addReplyMapLen(matches.size);
  for (const [key, def] of matches.values()) {
    c.addReplyBulk(key);
    c.addReplyBulk(cfg.format(def.name));
  }
}

function configSetCommand(c: Client, argv: string[]): void {
  if (argv.length & 1) throw new RedisError(Errors.syntax);
  const server = c.server;
  const cfg = server.config;
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const e = cfg.lookup(argv[i]);
    if (e && e.def.flags & SENSITIVE_CONFIG) redactArgument(c, i + 1);
    pairs.push([argv[i], argv[i + 1]]);
  }
  const err = cfg.setMany(pairs, {
    loading: server.loading,
    allowProtected: allowProtectedAction(cfg.enumValue('enable-protected-configs'), c),
    warn: (m) => server.logger.warn(m),
  });
  if (err !== null) throw new RedisError(err);
  c.addReplyOK();
}

function configResetStatCommand(c: Client): void {
  c.server.resetServerStats();
  c.addReplyOK();
}

function configRewriteCommand(c: Client): void {
  const server = c.server;
  const file = server.config.configFile;
  if (file === null) throw new RedisError('The server is running without a config file');
  try {
    rewriteConfig(server.config, file);
  } catch (e) {
    const msg = strerror(e);
    server.logger.warn(`CONFIG REWRITE failed: ${msg}`);
    throw new RedisError(`Rewriting config file: ${msg}`);
  }
  server.logger.warn('CONFIG REWRITE executed with success.');
  c.addReplyOK();
}

const HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

function configHelpCommand(c: Client): void {
  c.addReplyHelp('config', HELP);
}

// ---- listening sockets (updatePort / applyBind) -----------------------------------

/**
 * A child process tries to bind every address on `port` and reports the
 * first failure. Node binds asynchronously, while CONFIG SET must answer
 * whether the new sockets can be bound before replying (as Redis does with
 * its synchronous bind()); the probe gives that answer synchronously, then
 * the server binds for real.
 */
const PROBE_SCRIPT = `
const net = require('node:net');
const [addrs, port] = JSON.parse(process.argv[1]);
const servers = [];
(async () => {
  for (const raw of addrs) {
    const optional = raw.startsWith('-');
    const a = optional ? raw.slice(1) : raw;
    const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
    const err = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', resolve);
      s.listen({ host, port, ipv6Only: host.includes(':'), exclusive: true }, () => { servers.push(s); resolve(null); });
    });
    if (err && !(optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || (err.code === 'EADDRINUSE' && host === '::')))) {
      process.stdout.write(JSON.stringify({ host, code: err.code, message: err.message }));
      process.exit(1);
    }
  }
  process.exit(0);
})();
`;

/** Check that every `bind` address can listen on `port`; returns the failure or null. */
export function probeListen(addrs: string[], port: number): { host: string; message: string } | null {
  const r = spawnSync(process.execPath, ['-e', PROBE_SCRIPT, JSON.stringify([addrs, port])], {
    encoding: 'utf8',
    timeout: 10000,
  });
  if (r.status === 0) return null;
  try {
    const info = JSON.parse(r.stdout) as { host: string; code: string; message: string };
    return { host: info.host, message: strerror(info) };
  } catch {
    return { host: addrs.join(' '), message: r.error?.message ?? (r.stderr || 'bind probe failed') };
  }
}

/** changeListenPort()/changeBindAddr(): close the listeners and bind the configured addresses. */
function rebind(server: NodisServer, error: string, keepPort: boolean): string | null {
  if (server.isClosed()) return null;
  const cfg = server.config;
  // A server started on port 0 (embedded, tests) keeps the port it was given when its addresses change.
  const port = cfg.num('port') !== 0 || !keepPort ? cfg.num('port') : (server.ports[0] ?? 0);
  const addrs = cfg.raw('bind') as string[];
  server.closeListeners();
  if (port === 0 || addrs.length === 0) return null;
  const failure = probeListen(addrs, port);
  if (failure !== null) {
    server.logger.warn(`Could not create server TCP listening socket ${failure.host}:${port}: ${failure.message}`);
    return error;
  }
  holdReplyUntil(
    server,
    server.bindListeners(port).catch((e: Error) => server.logger.warn(`Failed listening on port ${port} (TCP): ${e.message}`)),
  );
  return null;
}

/**
 * Node binds on a later tick, while Redis answers CONFIG SET port/bind
 * once the socket listens: the reply of the client running the command is
 * held (its socket corked) until `bound` settles, so a client connecting to
 * the new port right after the reply finds it listening.
 */
export function holdReplyUntil(server: NodisServer, bound: Promise<unknown>): void {
  const sock = server.currentClient?.socket;
  if (!sock || sock.destroyed) return;
  sock.cork();
  void bound.finally(() => sock.uncork());
}

/** Register the apply functions of `port` and `bind` for this server. */
export function registerListenerApply(server: NodisServer): void {
  server.config.registerApply('port', () => rebind(server, 'Unable to listen on this port. Check server logs.', false));
  server.config.registerApply('bind', () => {
    // changeBindAddr(): the TCP and TLS listeners move together.
    const err = rebind(server, 'Failed to bind to specified addresses.', true);
    if (err !== null) {
      server.tls.closeListeners();
      return err;
    }
    return server.tls.rebind() ? null : 'Failed to bind to specified addresses.';
  });
}

export const configCommands: CommandSpec[] = [
  cmd('config', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('get', -3, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: configGetCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: configHelpCommand }),
      cmd('resetstat', 2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: configResetStatCommand }),
      cmd('rewrite', 2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: configRewriteCommand }),
      cmd('set', -4, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], {
        handler: configSetCommand,
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
      }),
    ],
  }),
];
