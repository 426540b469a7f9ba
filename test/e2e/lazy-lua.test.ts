// The Lua VM (fengari) loads on the first script, not with the server: a
// server that never runs Lua does not hold its memory. Checked in a child
// process, since the test runner's own module graph may already hold it.
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const INDEX = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href;

const CHILD = `
import net from 'node:net';
import { startServer } from ${JSON.stringify(INDEX)};
const loaded = () => globalThis[Symbol.for('nodis.fengari')] !== undefined;
const srv = await startServer();
const sock = net.connect(srv.port, '127.0.0.1');
const send = (cmd) => new Promise((resolve) => {
  sock.once('data', (d) => resolve(d.toString('latin1')));
  sock.write(cmd, 'latin1');
});
const out = { atStart: loaded() };
out.set = await send('*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nk\\r\\n$2\\r\\n\\xff\\x00\\r\\n');
out.afterSet = loaded();
out.evalReply = await send('*3\\r\\n$4\\r\\nEVAL\\r\\n$32\\r\\nreturn redis.call(\\x27strlen\\x27, \\x27k\\x27)\\r\\n$1\\r\\n0\\r\\n');
out.afterEval = loaded();
sock.destroy();
await srv.close();
console.log(JSON.stringify(out));
`;

describe('Lua VM loading', () => {
  it('is loaded by the first EVAL, not at start-up', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', CHILD], { timeout: 20000 }, (err, out) => (err ? reject(err) : resolve(out)));
    });
    expect(JSON.parse(stdout)).toEqual({ atStart: false, set: '+OK\r\n', afterSet: false, evalReply: ':2\r\n', afterEval: true });
  });
});
