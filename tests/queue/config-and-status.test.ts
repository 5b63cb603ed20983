import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isScrubbed } from '../../src/agents/env.js';
import { parseConfig } from '../../src/config/load.js';
import { approvalSigned, openAnswer, signAnswer, signApproval } from '../../src/queue/approval-key.js';
import { redactUrl } from '../../src/queue/connection.js';
import { type RedisServer, startRedis } from '../support/redis-server.js';
import { makeRepo, runCli } from '../support/repo.js';

let redis: RedisServer | undefined;
afterEach(async () => {
  await redis?.stop();
  redis = undefined;
});

describe('the queue: block of jidoka.yaml', () => {
  it('takes redis:// and rediss:// URLs (a password in them) and names the key of a bad one', () => {
    expect(parseConfig('').queue).toMatchObject({
      redis: '',
      localWorkers: 0,
      remote: 'origin',
      lockDuration: 30_000,
    });
    const c = parseConfig(
      'queue:\n  redis: "rediss://:s3cret@cache.example:6380"\n  localWorkers: 1\n  lockDuration: 5s\n',
    );
    expect(c.queue).toMatchObject({
      redis: 'rediss://:s3cret@cache.example:6380',
      localWorkers: 1,
      lockDuration: 5000,
    });
    expect(() => parseConfig('queue:\n  redis: "http://cache:6379"\n')).toThrow(
      /jidoka.yaml:2: queue.redis: expected a Redis URL like "redis:\/\/host:6379"/,
    );
    expect(() => parseConfig('queue:\n  workers: 2\n')).toThrow(/queue.*workers/);
    expect(() => parseConfig('queue:\n  localWorkers: -1\n')).toThrow(/queue.localWorkers/);
  });

  it('never logs a password', () => {
    expect(redactUrl('redis://:s3cret@host:6379')).toBe('redis://:***@host:6379');
    expect(redactUrl('rediss://user:s3cret@host:6380/0')).toBe('rediss://user:***@host:6380/0');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
  });

  it("a plan's approval verifies only with the daemon's key and only for exactly what was signed", () => {
    const daemon = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const a = { hash: 'a'.repeat(64), by: 'ann', at: '2026-12-01T10:00:00.000Z' };
    const sig = signApproval(daemon.privateKey, 'p1', a);
    expect(approvalSigned(daemon.publicKey, 'p1', a, sig)).toBe(true);
    expect(approvalSigned(other.publicKey, 'p1', a, sig)).toBe(false);
    expect(approvalSigned(daemon.publicKey, 'p2', a, sig)).toBe(false);
    expect(approvalSigned(daemon.publicKey, 'p1', { ...a, hash: 'b'.repeat(64) }, sig)).toBe(false);
    expect(approvalSigned(daemon.publicKey, 'p1', a, 'not base64 at all')).toBe(false);
  });

  it("a step answer is taken only when the daemon's key signed it for exactly that job", () => {
    const daemon = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const stop = { go: false, drain: 'the line is stopped' };
    const signed = signAnswer(daemon.privateKey, 'tok-3', stop);
    expect(openAnswer(daemon.publicKey, 'tok-3', signed)).toEqual(stop);
    // What someone with the Redis could write as a job's return value instead:
    expect(openAnswer(daemon.publicKey, 'tok-3', { go: true })).toBeUndefined();
    expect(
      openAnswer(daemon.publicKey, 'tok-3', signAnswer(other.privateKey, 'tok-3', { go: true })),
    ).toBeUndefined();
    expect(
      openAnswer(daemon.publicKey, 'tok-3', { ...signed, body: JSON.stringify({ go: true }) }),
    ).toBeUndefined();
    // An answer the daemon did sign, replayed for another job (a go for a step now refused):
    const go = signAnswer(daemon.privateKey, 'tok-2', { go: true });
    expect(openAnswer(daemon.publicKey, 'tok-3', go)).toBeUndefined();
    expect(openAnswer(daemon.publicKey, 'tok-3', null)).toBeUndefined();
  });
});

describe('jidoka status and the queue', () => {
  it('says whether the queue is reachable', { timeout: 60_000 }, async () => {
    redis = await startRedis();
    const root = makeRepo({ 'jidoka.yaml': `queue:\n  redis: "redis://:pw@127.0.0.1:${redis.port}"\n` });
    // A password the server does not ask for is refused by it: use the plain URL for the reachable case.
    const plain = makeRepo({ 'jidoka.yaml': `queue:\n  redis: "${redis.url}"\n` });
    const up = runCli(plain, ['status']);
    expect(up.stdout).toMatch(
      /workers queue: redis:\/\/127\.0\.0\.1:\d+ reachable, 0 plan job\(s\) waiting, 0 running/,
    );
    const json = JSON.parse(runCli(plain, ['status', '--json']).stdout) as {
      workersQueue: { reachable: boolean };
    };
    expect(json.workersQueue.reachable).toBe(true);
    await redis.stop();
    const started = Date.now();
    const down = runCli(root, ['status']);
    expect(down.stdout).toMatch(/workers queue: redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is UNREACHABLE \(/);
    expect(down.stdout + down.stderr).not.toContain(':pw@');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('takes the URL from $JIDOKA_QUEUE_REDIS, so a password need not be in jidoka.yaml (which agents can read)', async () => {
    redis = await startRedis();
    const root = makeRepo({ 'jidoka.yaml': 'queue:\n  localWorkers: 0\n' });
    expect(runCli(root, ['status']).stdout).not.toMatch(/workers queue/);
    const up = runCli(root, ['status'], { JIDOKA_QUEUE_REDIS: redis.url });
    expect(up.stdout).toMatch(/workers queue: redis:\/\/127\.0\.0\.1:\d+ reachable/);
    // Every JIDOKA_ variable is scrubbed from what an agent inherits.
    expect(isScrubbed('JIDOKA_QUEUE_REDIS')).toBe(true);
    const bad = runCli(root, ['status'], { JIDOKA_QUEUE_REDIS: 'http://nope' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/JIDOKA_QUEUE_REDIS is not a Redis URL/);
  });
});
