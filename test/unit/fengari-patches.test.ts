/**
 * fengari as src/scripting/lua.ts loads it: the rewrite of its stack pops
 * reaches every `delete` of a stack slot in the installed fengari and
 * nothing else, and the strings handed to it are byte arrays of their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { clearNotDelete, toLuaBytes } from '../../src/scripting/lua.js';

const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('fengari'));

describe('fengari as loaded', () => {
  it('pops its stack by clearing the slot', () => {
    let rewritten = 0;
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.js'))) {
      const src = fs.readFileSync(path.join(dir, f), 'utf8');
      const out = clearNotDelete(src);
      expect(out, f).not.toMatch(/delete\s+\w+\.stack\[/);
      const deletes = src.match(/\bdelete\s/g)?.length ?? 0;
      const left = out.match(/\bdelete\s/g)?.length ?? 0;
      rewritten += deletes - left;
      // Only the pops changed: the same text once each rewrite is undone.
      expect(out.replace(/((?:L|from)\.stack\[[^\]\n]*\]) = undefined;/g, 'delete $1;'), f).toBe(
        src.replace(/((?:L|from)\.stack\[[^\]\n]*\]) = undefined;/g, 'delete $1;'),
      );
    }
    expect(rewritten).toBeGreaterThanOrEqual(28);
  });

  it('keeps a slot past the top undefined, as a deleted one reads', () => {
    const stack = ['a', 'b', 'c'];
    const L = { stack, top: 3 };
    // eslint-disable-next-line no-eval
    eval(clearNotDelete('delete L.stack[--L.top];'));
    expect(L.top).toBe(2);
    expect(stack[2]).toBeUndefined();
    expect(stack.length).toBe(3);
  });

  it('strings handed to Lua are plain byte arrays of their own', () => {
    for (const s of ['', 'k', '\xff\x00'.repeat(10), '\xe9x'.repeat(100)]) {
      const u = toLuaBytes(s);
      expect(u).not.toBeInstanceOf(Buffer);
      expect(u.byteLength).toBe(u.buffer.byteLength);
      expect(Buffer.from(u).latin1Slice()).toBe(s);
    }
  });
});
