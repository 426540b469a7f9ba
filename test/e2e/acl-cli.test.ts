/**
 * ACL at start-up through the nodis-server executable (dist/, built by the
 * test command): `user` lines of the config file, the aclfile, and the
 * errors that stop the server, next to redis-server's when installed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { freePort, HAVE_REDIS, redisServerPath } from '../helpers/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'nodis-server');

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'cli.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-acl-cli-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  status: number | null;
  output: string;
}

/** Run a server that is expected to exit by itself. */
function run(which: 'nodis' | 'redis', args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const bin = which === 'nodis' ? process.execPath : redisServerPath()!;
    const proc = spawn(bin, which === 'nodis' ? [BIN, ...args] : args, {
      cwd: tmp,
      env: { ...process.env, NODIS_DAEMONIZED: '' },
    });
    let output = '';
    proc.stdout.setEncoding('latin1').on('data', (d) => (output += d));
    proc.stderr.setEncoding('latin1').on('data', (d) => (output += d));
    proc.stdin.end();
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${which} ${args.join(' ')} did not exit; output: ${output}`));
    }, 20000);
    proc.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

function conf(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const both = (HAVE_REDIS ? ['nodis', 'redis'] : ['nodis']) as ('nodis' | 'redis')[];

describe('ACL at start-up', () => {
  for (const which of both) {
    it(`${which}: users in the config file and an aclfile are refused together`, async () => {
      const acl = conf('c1.acl', 'user default on nopass ~* &* +@all\n');
      const file = conf('c1.conf', `port ${await freePort()}\nbind 127.0.0.1\nsave ""\nuser alice on >a ~* +@all\naclfile ${acl}\n`);
      const r = await run(which, [file]);
      expect(r.status).toBe(1);
      expect(r.output).toContain(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid.',
      );
    });

    it(`${which}: a bad user line is a fatal config error naming the argument`, async () => {
      const file = conf('c2.conf', 'user alice on bogus\n');
      const r = await run(which, [file]);
      expect(r.status).toBe(1);
      expect(r.output).toContain('*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***');
      expect(r.output).toContain(">>> 'user alice on bogus'");
      expect(r.output).toContain("Error in user declaration 'alice': Syntax error");
    });

    it(`${which}: a user defined twice is refused`, async () => {
      const r = await run(which, ['--port', '0', '--user', 'foo', '--user', 'foo']);
      expect(r.status).toBe(1);
      expect(r.output).toContain("Error in user declaration 'foo': Duplicate user found. A user can only be defined once in config files");
    });

    it(`${which}: an unknown command in a user line stops the start`, async () => {
      const r = await run(which, ['--port', String(await freePort()), '--bind', '127.0.0.1', '--save', '', '--user', 'bob', 'on', '+nosuchcommand']);
      expect(r.status).toBe(1);
      expect(r.output).toContain("Error loading ACL rule '+nosuchcommand' for the user named 'bob': Unknown command or category name in ACL");
      expect(r.output).toContain('Critical error while loading ACLs. Exiting.');
    });

    it(`${which}: a missing aclfile aborts the start`, async () => {
      const missing = path.join(tmp, 'missing.acl');
      const r = await run(which, ['--port', String(await freePort()), '--bind', '127.0.0.1', '--save', '', '--aclfile', missing]);
      expect(r.status).toBe(1);
      expect(r.output).toContain(
        `Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '${missing}': No such file or directory`,
      );
    });
  }

  it('nodis: config users are loaded and CONFIG REWRITE writes them back', async () => {
    const port = await freePort();
    const file = conf('c3.conf', `port ${port}\nbind 127.0.0.1\nsave ""\nuser default on nopass ~* &* +@all -flushdb\nuser ann on >pw ~a* +get\n`);
    const proc = spawn(process.execPath, [BIN, file], { cwd: tmp, stdio: 'ignore', env: { ...process.env, NODIS_DAEMONIZED: '' } });
    try {
      let c: RawClient | null = null;
      for (let i = 0; i < 200 && c === null; i++) {
        c = await RawClient.connect(port).catch(() => null);
        if (c === null) await new Promise((r) => setTimeout(r, 50));
      }
      expect(c).not.toBeNull();
      const cl = c!;
      expect(await cl.callStr('FLUSHDB')).toBe("-NOPERM this user has no permissions to run the 'flushdb' command\r\n");
      expect(await cl.callStr('ACL', 'SETUSER', 'bea', 'on', 'nopass', '+@read', '~*')).toBe('+OK\r\n');
      expect(await cl.callStr('CONFIG', 'REWRITE')).toBe('+OK\r\n');
      const text = fs.readFileSync(file, 'latin1');
      const users = text.split('\n').filter((l) => l.startsWith('user '));
      expect(users[0]).toBe('user ann on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~a* resetchannels -@all +get');
      expect(users[1]).toBe('user bea on nopass ~* resetchannels -@all +@read');
      // Redefining the default user starts from "reset", which sets sanitize-payload (as in Redis).
      expect(users[2]).toBe('user default on nopass sanitize-payload ~* &* +@all -flushdb');
      expect(users.length).toBe(3);
      cl.close();
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
