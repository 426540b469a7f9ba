/**
 * Certificates for TLS tests, generated at test time with the openssl
 * command into a temporary directory:
 *
 *   ca.crt/ca.key          the test CA
 *   server.crt/server.key  signed by the CA, for 127.0.0.1 and localhost
 *   server2.crt/.key       a second server certificate (reload tests)
 *   client.crt/client.key  a client certificate signed by the CA
 *   rogue.crt/rogue.key    a self-signed client certificate (not trusted)
 *   enc.key                server.crt's key encrypted with the password "secret"
 *   cadir/                 a directory holding a copy of ca.crt
 *   ffdhe.dh               DH parameters (the ffdhe2048 group, PKCS#3 PEM)
 *   x942.dh                DH parameters in X9.42 form (which Redis refuses)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HAVE_OPENSSL = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

/** Say loudly why TLS tests are skipped. */
export function warnIfNoOpenssl(suite: string): void {
  if (!HAVE_OPENSSL) console.warn(`[${suite}] SKIPPED: the openssl command is not installed; TLS tests did not run`);
}

export interface TestCerts {
  dir: string;
  file(name: string): string;
  read(name: string): Buffer;
  remove(): void;
}

function openssl(dir: string, args: string[], input?: string): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

function signed(dir: string, name: string, cn: string, ext: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-subj', `/O=Nodis Test/CN=${cn}`, '-out', `${name}.csr`]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`,
  ]);
}

export function generateCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-tls-'));
  openssl(dir, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-days', '2', '-sha256', '-subj', '/O=Nodis Test/CN=Certificate Authority',
  ]);
  const serverExt = 'subjectAltName = IP:127.0.0.1, DNS:localhost\nkeyUsage = digitalSignature, keyEncipherment\n';
  signed(dir, 'server', 'Server-1', serverExt);
  signed(dir, 'server2', 'Server-2', serverExt);
  signed(dir, 'client', 'Client-only', 'keyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\n');
  openssl(dir, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.crt',
    '-days', '2', '-subj', '/O=Elsewhere/CN=Rogue',
  ]);
  openssl(dir, ['pkey', '-in', 'server.key', '-aes256', '-passout', 'pass:secret', '-out', 'enc.key']);
  openssl(dir, ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', 'ffdhe.dh']);
  openssl(dir, ['dhparam', '-dsaparam', '-out', 'x942.dh', '1024']);
  fs.mkdirSync(path.join(dir, 'cadir'));
  fs.copyFileSync(path.join(dir, 'ca.crt'), path.join(dir, 'cadir', 'ca.pem'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    read: (name) => fs.readFileSync(path.join(dir, name)),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The tls-* directives of a server using the generated certificates. */
export function tlsConfig(certs: TestCerts, tlsPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'tls-port': String(tlsPort),
    'tls-cert-file': certs.file('server.crt'),
    'tls-key-file': certs.file('server.key'),
    'tls-ca-cert-file': certs.file('ca.crt'),
    ...extra,
  };
}
