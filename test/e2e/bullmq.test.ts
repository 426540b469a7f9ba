/**
 * BullMQ, the job queue most Node applications put on Redis, run unchanged
 * against Nodis: its Lua scripts (cmsgpack arguments, 5.1 number
 * semantics, priorities computed past 2^32), blocking pops, streams for
 * QueueEvents, flows with parent/child jobs, retries with backoff, delays.
 * The same scenario runs against redis-server when it is installed and
 * must tell the same story.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlowProducer, Queue, QueueEvents, Worker } from 'bullmq';
import { HAVE_REDIS, startNodis, startRedis, warnIfNoRedis } from '../helpers/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function until(cond: () => Promise<boolean>, what: string, capMs = 30000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a queue's life looked like, in a form that does not depend on timing. */
async function scenario(port: number): Promise<unknown[]> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = 'q\u00e9\u00ff';
  const q = new Queue(name, { connection });
  const ev = new QueueEvents(name, { connection });
  const flow = new FlowProducer({ connection });
  const completedEvents = new Set<string>();
  ev.on('completed', ({ jobId }) => completedEvents.add(jobId));
  await ev.waitUntilReady();
  const results = new Map<string, unknown>();
  let failures = 0;
  const w = new Worker(
    name,
    async (job) => {
      if (job.name === 'flaky' && job.attemptsMade < 2) {
        failures++;
        throw new Error('boom ' + job.attemptsMade);
      }
      if (job.name === 'bad') throw new Error('always');
      await job.log('ran ' + job.name);
      return { n: job.data.n * 2, name: job.name, prio: job.opts.priority ?? 0 };
    },
    { connection, concurrency: 3 },
  );
  w.on('completed', (job, rv) => results.set(job.id!, rv));
  cleanups.push(async () => {
    await w.close();
    await ev.close();
    await flow.close();
    await q.close();
  });
  await w.waitUntilReady();
  for (let i = 0; i < 10; i++) await q.add('plain', { n: i }, { jobId: 'p' + i });
  await q.addBulk([
    { name: 'bulk', data: { n: 100 }, opts: { jobId: 'b0' } },
    { name: 'bulk', data: { n: 101 }, opts: { jobId: 'b1', priority: 3 } },
  ]);
  await q.add('flaky', { n: 7 }, { jobId: 'j-flaky', attempts: 5, backoff: { type: 'fixed', delay: 50 } });
  await q.add('bad', { n: 8 }, { jobId: 'j-bad', attempts: 2 });
  await q.add('delayed', { n: 9 }, { jobId: 'j-delayed', delay: 300 });
  await q.add('prio', { n: 10 }, { jobId: 'j-prio', priority: 5 });
  await flow.add({
    name: 'parent',
    queueName: name,
    data: { n: 50 },
    opts: { jobId: 'j-parent' },
    children: [
      { name: 'child', queueName: name, data: { n: 51 }, opts: { jobId: 'c1' } },
      { name: 'child', queueName: name, data: { n: 52 }, opts: { jobId: 'c2' } },
    ],
  });
  const total = 10 + 2 + 1 + 1 + 1 + 3;
  await until(async () => {
    const c = await q.getJobCounts('completed', 'failed');
    return c.completed === total && c.failed === 1;
  }, 'the jobs to finish');
  await until(async () => completedEvents.size === total, 'the completed events');
  const parent = (await q.getJob('j-parent'))!;
  const bad = (await q.getJob('j-bad'))!;
  const flaky = (await q.getJob('j-flaky'))!;
  const story: unknown[] = [
    await q.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active', 'waiting-children', 'prioritized'),
    [...results.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    Object.values(await parent.getChildrenValues()).sort((a, b) => (a as { n: number }).n - (b as { n: number }).n),
    [bad.failedReason, bad.attemptsMade],
    [flaky.attemptsMade, flaky.returnvalue, failures],
    await q.getJobLogs('p1'),
  ];
  await q.pause();
  story.push(await q.isPaused());
  await q.resume();
  story.push((await q.getCompleted(0, 100)).length);
  await q.obliterate({ force: true });
  return story;
}

describe('BullMQ', () => {
  it('runs a queue with retries, delays, priorities and flows', async () => {
    const s = await startNodis();
    cleanups.push(() => s.close());
    const story = await scenario(s.port);
    expect(story[0]).toEqual({ completed: 18, failed: 1, waiting: 0, delayed: 0, active: 0, 'waiting-children': 0, prioritized: 0, paused: 0 });
    const results = new Map(story[1] as [string, unknown][]);
    expect(results.get('j-prio')).toEqual({ n: 20, name: 'prio', prio: 5 });
    expect(results.get('b1')).toEqual({ n: 202, name: 'bulk', prio: 3 });
    expect(results.get('j-delayed')).toEqual({ n: 18, name: 'delayed', prio: 0 });
    expect(story[2]).toEqual([
      { n: 102, name: 'child', prio: 0 },
      { n: 104, name: 'child', prio: 0 },
    ]);
    expect(story[3]).toEqual(['always', 2]);
    expect(story[4]).toEqual([3, { n: 14, name: 'flaky', prio: 0 }, 2]);
    expect(story[5]).toEqual({ logs: ['ran plain'], count: 1 });
    expect(story.slice(6)).toEqual([true, 18]);
  }, 60000);
});

warnIfNoRedis('e2e/bullmq');
describe.skipIf(!HAVE_REDIS)('BullMQ, compared with redis-server', () => {
  it('tells the same story on both servers', async () => {
    const s = await startNodis();
    cleanups.push(() => s.close());
    const r = await startRedis();
    cleanups.push(() => r.close());
    expect(await scenario(s.port)).toEqual(await scenario(r.port));
  }, 90000);
});
