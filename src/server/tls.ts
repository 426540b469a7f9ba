/**
 * TLS (tls.c and the tls-* directives of config.c): the `tls-port`
 * listeners, the server and client security contexts, and their reload on
 * CONFIG SET.
 *
 * Connections accepted on `tls-port` are plain sockets wrapped in a
 * server-side TLSSocket and handed to the same accept path as TCP clients,
 * so the client exists (and counts for maxclients and timeout) during the
 * handshake, as in Redis, and then goes through the same parser and
 * dispatcher. The context is built once per configuration (tlsConfigure());
 * a failed rebuild keeps the previous one. `tls-auth-clients` is read at
 * each accept, as Redis does.
 *
 * Differences imposed by Node's TLS layer: tls-session-cache-size is kept
 * but not enforced (sessions resume through tickets, whose lifetime is
 * tls-session-cache-timeout); tls-ca-cert-dir is read eagerly (every
 * certificate found in the directory is trusted) instead of OpenSSL's
 * hashed lookup; without tls-ciphers/tls-ciphersuites Node's default
 * cipher lists apply.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fsPath, strerror } from './config-defs.js';
import { holdReplyUntil, probeListen } from '../commands/config.js';
import type { NodisServer } from './server.js';

export const TLS_CLIENT_AUTH_NO = 0;
export const TLS_CLIENT_AUTH_YES = 1;
export const TLS_CLIENT_AUTH_OPTIONAL = 2;

/** tlsConfigure() failed at start-up; the details were logged. */
export class TlsConfigureError extends Error {
  constructor() {
    super('Failed to configure TLS. Check logs for more info.');
  }
}

/** A tls-port listener could not be bound at start-up. */
export class TlsListenError extends Error {}

const CONFIGURE_ERROR = 'Unable to update TLS configuration. Check server logs.';

/** Directives whose change rebuilds the context (applyTlsCfg). */
const CONTEXT_DIRECTIVES = [
  'tls-session-cache-size',
  'tls-session-cache-timeout',
  'tls-cluster',
  'tls-replication',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
];

const PROTOCOLS: [name: string, version: tls.SecureVersion, noFlag: number][] = [
  ['tlsv1', 'TLSv1', crypto.constants.SSL_OP_NO_TLSv1],
  ['tlsv1.1', 'TLSv1.1', crypto.constants.SSL_OP_NO_TLSv1_1],
  ['tlsv1.2', 'TLSv1.2', crypto.constants.SSL_OP_NO_TLSv1_2],
  ['tlsv1.3', 'TLSv1.3', crypto.constants.SSL_OP_NO_TLSv1_3],
];
/** TLSv1.2 and TLSv1.3 (REDIS_TLS_PROTO_DEFAULT). */
const DEFAULT_PROTOCOLS = 0b1100;

const NODE_DEFAULT_CIPHERS = tls.DEFAULT_CIPHERS.split(':');
const DEFAULT_SUITES = NODE_DEFAULT_CIPHERS.filter((c) => c.startsWith('TLS_')).join(':');
const DEFAULT_CIPHER_LIST = NODE_DEFAULT_CIPHERS.filter((c) => !c.startsWith('TLS_')).join(':');

/**
 * OpenSSL's ERR_error_string_n() text for an error: Node's OpenSSL errors
 * already carry it; a failed open() becomes the "system library" error
 * OpenSSL 3 reports for fopen() failures.
 */
function sslErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.errno === 'number' && typeof err.code === 'string' && err.syscall !== undefined) {
    const code = (0x80000000 | Math.abs(err.errno)) >>> 0;
    return `error:${code.toString(16).toUpperCase().padStart(8, '0')}:system library::${strerror(err)}`;
  }
  const msg = err?.message ?? String(e);
  const m = /error:[0-9A-F]{8}:[^\n]*/.exec(msg);
  return m ? m[0] : msg;
}

/** A PEM private key encrypted with a password (PKCS#8 or the traditional OpenSSL form). */
const ENCRYPTED_PEM_RE = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

const PEM_CERT_RE = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g;

/** The certificates of a PEM file (SSL_CTX_load_verify_locations' CAfile). */
function pemCertificates(data: string): string[] {
  const out: string[] = [];
  for (const m of data.matchAll(PEM_CERT_RE)) {
    try {
      new crypto.X509Certificate(m[0]);
      out.push(m[0]);
    } catch {
      /* not a certificate: skipped, as OpenSSL does for unreadable entries */
    }
  }
  return out;
}

export class TlsManager {
  /** redis_tls_ctx: the server (and default client) context. */
  private ctx: tls.SecureContext | null = null;
  /** redis_tls_client_ctx: outgoing connections with tls-client-cert-file. */
  private clientCtx: tls.SecureContext | null = null;
  private listeners: net.Server[] = [];
  /** Ports the tls-port listeners are bound to. */
  ports: number[] = [];

  constructor(private readonly server: NodisServer) {
    const cfg = server.config;
    const applyCfg = (): string | null => this.applyTlsCfg();
    for (const name of CONTEXT_DIRECTIVES) cfg.registerApply(name, applyCfg);
    cfg.registerApply('tls-port', () => this.applyTlsPort());
    server.hooks.shutdown.push(() => this.closeListeners());
  }

  /** isTlsConfigured(). */
  get configured(): boolean {
    return this.ctx !== null;
  }

  /** TLS is needed by the configuration: a tls-port, or TLS replication/cluster bus. */
  private wanted(): boolean {
    const cfg = this.server.config;
    return cfg.num('tls-port') !== 0 || cfg.bool('tls-replication') || cfg.bool('tls-cluster');
  }

  private warn(msg: string): void {
    this.server.logger.warn(msg);
  }

  /**
   * tlsConfigure(): build the contexts from the current configuration. On
   * failure Redis's log line is written, false is returned and the contexts
   * in use are left unchanged.
   */
  configure(): boolean {
    const cfg = this.server.config;
    const certFile = cfg.str('tls-cert-file');
    const keyFile = cfg.str('tls-key-file');
    if (certFile === '') {
      this.warn('No tls-cert-file configured!');
      return false;
    }
    if (keyFile === '') {
      this.warn('No tls-key-file configured!');
      return false;
    }
    if (
      (cfg.enumValue('tls-auth-clients') !== TLS_CLIENT_AUTH_NO || cfg.bool('tls-cluster') || cfg.bool('tls-replication')) &&
      cfg.str('tls-ca-cert-file') === '' &&
      cfg.str('tls-ca-cert-dir') === ''
    ) {
      this.warn(
        'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
      );
      return false;
    }
    const protocols = this.parseProtocols(cfg.str('tls-protocols'));
    if (protocols === null) return false;
    const ctx = this.createContext(protocols, false);
    if (ctx === null) return false;
    let clientCtx: tls.SecureContext | null = null;
    if (cfg.str('tls-client-cert-file') !== '' && cfg.str('tls-client-key-file') !== '') {
      clientCtx = this.createContext(protocols, true);
      if (clientCtx === null) return false;
    }
    this.ctx = ctx;
    this.clientCtx = clientCtx;
    return true;
  }

  /** parseProtocolsConfig(): a bit per version (TLSv1 = bit 0), or null (logged). */
  private parseProtocols(str: string): number | null {
    if (str === '') return DEFAULT_PROTOCOLS;
    let mask = 0;
    for (const tok of str.split(' ')) {
      const i = PROTOCOLS.findIndex(([name]) => name === tok.toLowerCase());
      if (i === -1) {
        this.warn("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
        return null;
      }
      mask |= 1 << i;
    }
    return mask;
  }

  /** createSSLContext() + the server-only settings of tlsConfigure(). */
  private createContext(protocols: number, client: boolean): tls.SecureContext | null {
    const cfg = this.server.config;
    const certFile = cfg.str(client ? 'tls-client-cert-file' : 'tls-cert-file');
    const keyFile = cfg.str(client ? 'tls-client-key-file' : 'tls-key-file');
    const keyPass = cfg.str(client ? 'tls-client-key-file-pass' : 'tls-key-file-pass');

    const opts: tls.SecureContextOptions = {};
    // Enabled versions: the range, with the versions left out inside it disabled.
    const enabled = PROTOCOLS.filter((_, i) => protocols & (1 << i));
    opts.minVersion = enabled[0][1];
    opts.maxVersion = enabled[enabled.length - 1][1];
    let secureOptions = 0;
    for (let i = 0; i < PROTOCOLS.length; i++) if ((protocols & (1 << i)) === 0) secureOptions |= PROTOCOLS[i][2];

    try {
      opts.cert = fs.readFileSync(fsPath(certFile));
      tls.createSecureContext({ cert: opts.cert });
    } catch (e) {
      this.warn(`Failed to load certificate: ${certFile}: ${sslErrorText(e)}`);
      return null;
    }
    let keyData: Buffer | null = null;
    try {
      keyData = fs.readFileSync(fsPath(keyFile));
      opts.key = keyData;
      if (keyPass !== '') opts.passphrase = keyPass;
      tls.createSecureContext({ cert: opts.cert, key: opts.key, passphrase: opts.passphrase });
    } catch (e) {
      // An encrypted key without a password: Redis's OpenSSL asks its
      // password callback, which gives up. Node decrypts with an empty
      // password instead, which fails with "bad decrypt" or, when the
      // garbage happens to end in valid padding (about 1 time in 256), in
      // the key decoder: the key's PEM header tells the case apart.
      const encrypted = keyData !== null && ENCRYPTED_PEM_RE.test(keyData.latin1Slice());
      const text =
        keyPass === '' && ((e as NodeJS.ErrnoException).code === 'ERR_OSSL_BAD_DECRYPT' || encrypted)
          ? 'error:07880109:common libcrypto routines::interrupted or cancelled'
          : sslErrorText(e);
      this.warn(`Failed to load private key: ${keyFile}: ${text}`);
      return null;
    }
    const caFile = cfg.str('tls-ca-cert-file');
    const caDir = cfg.str('tls-ca-cert-dir');
    if (caFile !== '' || caDir !== '') {
      const ca: string[] = [];
      try {
        if (caFile !== '') {
          const certs = pemCertificates(fs.readFileSync(fsPath(caFile), 'latin1'));
          if (certs.length === 0) throw new Error('error:05800088:x509 certificate routines::no certificate or crl found');
          ca.push(...certs);
        }
        if (caDir !== '') ca.push(...this.readCaDir(fsPath(caDir)));
      } catch (e) {
        this.warn(`Failed to configure CA certificate(s) file/directory: ${sslErrorText(e)}`);
        return null;
      }
      opts.ca = ca;
    }
    const ciphers = cfg.str('tls-ciphers');
    const suites = cfg.str('tls-ciphersuites');
    if (ciphers !== '') {
      try {
        tls.createSecureContext({ ciphers: `${DEFAULT_SUITES}:${ciphers}` });
        if (ciphers.split(':').every((c) => c === '' || c.startsWith('TLS_'))) throw new Error('no cipher match');
      } catch {
        this.warn(`Failed to configure ciphers: ${ciphers}`);
        return null;
      }
    }
    if (suites !== '') {
      try {
        if (!suites.split(':').every((s) => s.startsWith('TLS_'))) throw new Error('no cipher match');
        tls.createSecureContext({ ciphers: `${suites}:${DEFAULT_CIPHER_LIST}` });
      } catch {
        this.warn(`Failed to configure ciphersuites: ${suites}`);
        return null;
      }
    }
    opts.ciphers = `${suites !== '' ? suites : DEFAULT_SUITES}:${ciphers !== '' ? ciphers : DEFAULT_CIPHER_LIST}`;

    if (!client) {
      if (cfg.bool('tls-session-caching')) {
        opts.sessionTimeout = cfg.num('tls-session-cache-timeout');
        opts.sessionIdContext = 'redis';
      } else {
        secureOptions |= crypto.constants.SSL_OP_NO_TICKET;
      }
      if (cfg.bool('tls-prefer-server-ciphers')) opts.honorCipherOrder = true;
      const dhFile = cfg.str('tls-dh-params-file');
      if (dhFile !== '') {
        let dh: string;
        try {
          dh = fs.readFileSync(fsPath(dhFile), 'latin1');
        } catch (e) {
          this.warn(`Failed to load ${dhFile}: ${strerror(e)}`);
          return null;
        }
        // PKCS#3 parameters only, as OpenSSL's "DH" decoder (X9.42 ones are refused).
        if (!/-----BEGIN DH PARAMETERS-----/.test(dh)) {
          this.warn(`${dhFile}: failed to read DH params.`);
          return null;
        }
        opts.dhparam = dh;
      } else {
        opts.dhparam = 'auto';
      }
    }
    opts.secureOptions = secureOptions;
    try {
      return tls.createSecureContext(opts);
    } catch (e) {
      this.warn(`Failed to configure TLS: ${sslErrorText(e)}`);
      return null;
    }
  }

  /** Every certificate in the files of a CA directory (a missing directory adds none, as OpenSSL's lazy lookup). */
  private readCaDir(dir: string): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const name of names.sort()) {
      try {
        out.push(...pemCertificates(fs.readFileSync(path.join(dir, name), 'latin1')));
      } catch {
        /* unreadable entry: skipped */
      }
    }
    return out;
  }

  /** applyTlsCfg(). */
  private applyTlsCfg(): string | null {
    if (this.wanted() && !this.configure()) return CONFIGURE_ERROR;
    return null;
  }

  /** applyTLSPort(): configure if needed, then changeListenPort(). */
  private applyTlsPort(): string | null {
    if (!this.configured && !this.configure()) return CONFIGURE_ERROR;
    if (this.server.isClosed()) return null;
    this.closeListeners();
    const port = this.server.config.num('tls-port');
    if (port === 0) return null;
    return this.rebindChecked(port) ? null : 'Unable to listen on this port. Check server logs.';
  }

  /** changeBindAddr()'s TLS half: rebind tls-port on the current `bind` addresses; false on failure. */
  rebind(): boolean {
    this.closeListeners();
    const port = this.server.config.num('tls-port');
    if (port === 0 || this.server.isClosed()) return true;
    return this.rebindChecked(port);
  }

  private rebindChecked(port: number): boolean {
    const addrs = this.bindAddrs();
    const failure = probeListen(addrs, port);
    if (failure !== null) {
      this.warn(`Could not create server TCP listening socket ${failure.host}:${port}: ${failure.message}`);
      return false;
    }
    holdReplyUntil(
      this.server,
      this.bind(port).catch((e: Error) => this.warn(`Failed listening on port ${port} (TLS): ${e.message}`)),
    );
    return true;
  }

  private bindAddrs(): string[] {
    return this.server.config.raw('bind') as string[];
  }

  /**
   * Server start-up: configure when TLS is wanted (throws TlsConfigureError
   * after logging the reason), before any socket is bound.
   */
  configureAtStart(): void {
    if (this.wanted() && !this.configure()) throw new TlsConfigureError();
  }

  /** Bind tls-port, if set (throws TlsListenError). */
  async listen(): Promise<void> {
    const port = this.server.config.num('tls-port');
    if (port !== 0) await this.bind(port);
  }

  /** listenToPort() for tls-port: every `bind` address; optional ones ('-addr') may fail. */
  private async bind(port: number): Promise<void> {
    const bound: net.Server[] = [];
    for (const raw of this.bindAddrs()) {
      const optional = raw.startsWith('-');
      const a = optional ? raw.slice(1) : raw;
      const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
      try {
        bound.push(await this.listenOne(host, port));
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || (err.code === 'EADDRINUSE' && host === '::'))) continue;
        for (const s of bound) s.close();
        throw new TlsListenError(`Could not create server TCP listening socket ${host}:${port}: ${strerror(err)}`);
      }
    }
    if (this.server.isClosed()) {
      for (const s of bound) s.close();
      return;
    }
    this.listeners.push(...bound);
    this.ports = [port];
  }

  private listenOne(host: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (raw) => this.acceptRaw(raw));
      srv.maxConnections = Infinity;
      srv.once('error', reject);
      srv.listen({ host, port, ipv6Only: host.includes(':'), backlog: this.server.config.num('tcp-backlog') }, () => {
        srv.off('error', reject);
        srv.on('error', (e) => this.warn(`TLS listening socket error: ${e.message}`));
        resolve(srv);
      });
    });
  }

  /** closeSocketListeners(&server.tlsfd). */
  closeListeners(): void {
    const l = this.listeners;
    this.listeners = [];
    this.ports = [];
    for (const s of l) s.close();
  }

  /** acceptTLSHandler(): the shared accept path, with the TLS layer added after admission. */
  private acceptRaw(raw: net.Socket): void {
    if (this.ctx === null) {
      raw.destroy();
      return;
    }
    this.server.accept(raw, (sock) => this.wrap(sock));
  }

  /** connCreateAcceptedTLS(): a server-side TLS socket over an accepted connection. */
  private wrap(raw: net.Socket): tls.TLSSocket {
    const mode = this.server.config.enumValue('tls-auth-clients');
    const sock = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: this.ctx!,
      requestCert: mode !== TLS_CLIENT_AUTH_NO,
      // With a certificate required, OpenSSL fails the handshake of a client without one.
      rejectUnauthorized: mode === TLS_CLIENT_AUTH_YES,
    });
    const peer = `${raw.remoteAddress}:${raw.remotePort}`;
    let secured = false;
    sock.on('secure', () => {
      secured = true;
      if (mode === TLS_CLIENT_AUTH_NO) return;
      // Node accepts any certificate during the handshake and leaves the
      // verdict to the server (as tls.Server does): a certificate that does
      // not verify against the CA ends the connection.
      // With 'optional', a client without a certificate is let in.
      if (mode === TLS_CLIENT_AUTH_OPTIONAL && Object.keys(sock.getPeerCertificate()).length === 0) return;
      const handle = (sock as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
      const err = handle?.verifyError?.() ?? null;
      if (err !== null) {
        this.warn(`Error accepting a client connection: ${err.message} (conn: ${peer})`);
        sock.destroy();
      }
    });
    sock.on('error', (e: Error) => {
      // A failed handshake (clientAcceptHandler()'s log); later errors are the peer going away.
      if (secured) return;
      this.warn(`Error accepting a client connection: ${sslErrorText(e)} (conn: ${peer})`);
    });
    return sock;
  }

  /**
   * Options for outgoing TLS connections (replication with tls-replication):
   * the client context (tls-client-cert-file) or the server one, peers
   * verified against the configured CAs, no host name check (as Redis).
   */
  clientOptions(): tls.ConnectionOptions | null {
    const ctx = this.clientCtx ?? this.ctx;
    if (ctx === null) return null;
    return { secureContext: ctx, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  }
}
