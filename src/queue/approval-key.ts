import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { JidokaError } from '../core/errors.js';
import { jidokaPaths } from '../core/paths.js';
import type { Approval } from '../plans/approval.js';

/**
 * The daemon signs every plan it dispatches: an Ed25519 signature over the
 * plan's id and its human approval (content hash, who, when). A worker
 * checks it with the daemon's public key before it runs anything, so a job
 * that someone with access to the Redis wrote, for a plan no human approved,
 * is refused. The private key never leaves the daemon's machine.
 */

function keyFiles(root: string): { key: string; pub: string } {
  const dir = join(jidokaPaths(root).dir, 'queue');
  return { key: join(dir, 'approval.key'), pub: join(dir, 'approval.pub') };
}

/** The daemon's signing key, made on first use (`.jidoka/queue/approval.key`, mode 0600, and its `.pub`). */
export function daemonSigningKey(root: string): KeyObject {
  const { key, pub } = keyFiles(root);
  if (existsSync(key)) return createPrivateKey(readFileSync(key, 'utf8'));
  mkdirSync(dirname(key), { recursive: true });
  const pair = generateKeyPairSync('ed25519');
  writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  chmodSync(key, 0o600);
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return pair.privateKey;
}

/** What is signed: one line per field, so no field can run into another. */
function signedText(plan: string, a: Approval): Buffer {
  return Buffer.from(`jidoka plan approval v1\n${plan}\n${a.hash}\n${a.by}\n${a.at}\n`);
}

export function signApproval(key: KeyObject, plan: string, approval: Approval): string {
  return sign(null, signedText(plan, approval), key).toString('base64');
}

/** The public key a worker trusts (`queue.approvalKey`, relative to the repository); a clear error when it is missing. */
export function trustedKey(root: string, configured: string): KeyObject {
  const file = isAbsolute(configured) ? configured : resolve(root, configured);
  if (!existsSync(file))
    throw new JidokaError(`the daemon's public key ${file} (queue.approvalKey) does not exist`, {
      exitCode: 2,
      hint: "copy .jidoka/queue/approval.pub from the daemon machine (it is made on the daemon's first start with queue.redis set) to this path, or point queue.approvalKey at it",
    });
  try {
    return createPublicKey(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new JidokaError(`${file} (queue.approvalKey) is not a public key: ${String(err)}`, { exitCode: 2 });
  }
}

export function approvalSigned(key: KeyObject, plan: string, approval: Approval, signature: string): boolean {
  try {
    return verify(null, signedText(plan, approval), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * A step answer as the daemon sends it: the answer's JSON and a signature
 * over the step job's id and that JSON. Anyone who can write to the Redis
 * can complete a step job with a return value of their own; a worker takes
 * only an answer the daemon's key signed for exactly that job (the job ids
 * carry a random token per run, so an old answer does not fit a new job).
 */
export interface SignedAnswer {
  body: string;
  sig: string;
}

function answerText(jobId: string, body: string): Buffer {
  return Buffer.from(`jidoka step answer v1\n${jobId}\n${body}`);
}

export function signAnswer(key: KeyObject, jobId: string, answer: unknown): SignedAnswer {
  const body = JSON.stringify(answer);
  return { body, sig: sign(null, answerText(jobId, body), key).toString('base64') };
}

/** The answer, when the daemon's key signed it for this job; undefined otherwise. */
export function openAnswer(key: KeyObject, jobId: string, value: unknown): unknown {
  const v = value as Partial<SignedAnswer> | null;
  if (!v || typeof v.body !== 'string' || typeof v.sig !== 'string') return undefined;
  try {
    return verify(null, answerText(jobId, v.body), key, Buffer.from(v.sig, 'base64'))
      ? JSON.parse(v.body)
      : undefined;
  } catch {
    return undefined;
  }
}
