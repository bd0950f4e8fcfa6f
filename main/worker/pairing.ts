// The worker's side of pairing (docs/protocol.md, "Pairing"). On the owner's machine: make a one-time
// code, then sign the delegation for the machine that redeemed it, but only for a code made here.
// On the new machine: redeem the code with its own account key and wait for the owner's machine.
import fs from 'node:fs';
import path from 'node:path';
import { ContractFailure, type PairingCode, type PairingStatus } from '../../preload/contract/index.ts';
import { z } from 'zod';
import { ownerRead, readAnswer, refusalWords, type AccountRequestContext } from './account-requests.ts';
import type { WorkerClient } from './client.ts';
import { PAIRING_CODE_ALPHABET, PairingCodeTextSchema, delegationText, networkBinding, seal } from './protocol.ts';
import { writePrivateFile } from '../lib/private-file.ts';

/** How long a redeemed code may wait for this machine to confirm it, past its expiry (the network's rule). */
const CONFIRM_GRACE_MS = 10 * 60_000;
const POLL_MS = 2000;
const CODES_FILE = 'pairing-codes.json';
const MEMBER_FILE = 'pairing.json';

/** What people type, as a code: case, spaces and dashes ignored; O read as 0, I and L as 1. Null: not a code. */
export function normalizeCode(text: string): string | null {
  const code = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === 8 && [...code].every((ch) => PAIRING_CODE_ALPHABET.includes(ch)) ? code : null;
}

import { spacedCode as spaced } from '../../preload/contract/pairing.ts';

export { spaced };

/** What pairing signs with: the account key (its public half too, which a redeem names), the network's binding and URLs. */
export type PairingContext = AccountRequestContext & { account: AccountRequestContext['account'] & { publicKeyPem: string } };

/** The context of a running session once its network is trusted (its pinned key makes the binding); else null. */
export function sessionContext(client: WorkerClient | null, network: string | null, account: PairingContext['account']): PairingContext | null {
  const pin = client?.state().trust;
  if (!pin || !network) return null;
  return { url: (route) => new URL(route, network).toString(), account, binding: networkBinding(pin.networkId, pin.publicKeyPem) };
}

/** The network said no, with its code (unknown-code, expired-code, used-code, revoked, ...) and its words. */
export class PairingRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** A pairing answer is a few hundred bytes: a network that sends more is not read on. */
const MAX_ANSWER_BYTES = 256 * 1024;
const AccountId = z.string().regex(/^acct-[0-9a-f]{16}$/);
/** When a code may expire: after now and within a day (the network's codes last 10 minutes). */
const Expiry = z.number().int().refine((t) => t > Date.now() - CONFIRM_GRACE_MS && t < Date.now() + 86_400_000, 'an expiry more than a day away');
const IssuedCodeSchema = z.object({ code: PairingCodeTextSchema, expiresAt: Expiry, account: AccountId });
const RedeemAnswerSchema = z.object({ state: z.enum(['pending', 'joined']), account: AccountId, expiresAt: z.number().int() });
const PendingSchema = z.object({
  machines: z.array(z.object({ code: PairingCodeTextSchema, memberId: AccountId, memberPublicKeyPem: z.string().max(1000), deviceId: z.string().max(64), name: z.string().max(64) })).max(64),
});

/** The network's answer, checked against what it must be: a network that says something else is refused, nothing kept. */
function checked<T>(schema: z.ZodType<T>, answer: unknown, what: string): T {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new PairingRefused('bad-answer', `The network's answer to ${what} is not what a network sends (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}); nothing was kept.`);
  return parsed.data;
}

async function post(c: PairingContext, route: string, type: string, body: unknown): Promise<unknown> {
  const res = await fetch(c.url(route), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seal(c.account, c.binding, type, body)),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await readAnswer(res, MAX_ANSWER_BYTES).catch((error: Error) => {
    throw new PairingRefused('bad-answer', `The network's answer was refused: ${error.message}.`);
  });
  const code = (answer as { error?: { code?: unknown } } | null)?.error?.code;
  if (!res.ok) throw new PairingRefused(typeof code === 'string' && /^[a-z-]{1,32}$/.test(code) ? code : `http-${res.status}`, refusalWords(answer, res.status));
  return answer;
}

export type IssuedCode = z.infer<typeof IssuedCodeSchema>;
export type PendingMachine = z.infer<typeof PendingSchema>['machines'][number];

export async function requestCode(c: PairingContext): Promise<IssuedCode> {
  const issued = checked(IssuedCodeSchema, await post(c, '/v1/pairing/codes', 'pair-code', {}), 'a new code');
  if (issued.account !== c.account.id) throw new PairingRefused('bad-answer', `The network made a code for account ${issued.account}, not this one (${c.account.id}); nothing was kept.`);
  return issued;
}

export async function redeemCode(c: PairingContext, code: string, device: { deviceId: string; name: string }): Promise<z.infer<typeof RedeemAnswerSchema>> {
  return checked(RedeemAnswerSchema, await post(c, '/v1/pairing/redeem', 'pair-redeem', { code, publicKeyPem: c.account.publicKeyPem, ...device }), 'the code');
}

export async function pendingMachines(c: PairingContext): Promise<PendingMachine[]> {
  return checked(PendingSchema, await ownerRead(c, '/v1/pairing/pending', MAX_ANSWER_BYTES), 'the machines waiting').machines;
}

/** The owner's key signs the delegation for the machine that redeemed `m.code`: its key may act for the account. */
export function confirmMachine(c: PairingContext, m: PendingMachine): Promise<unknown> {
  const delegationSig = c.account.sign(delegationText(c.binding, c.account.id, m.memberId, m.deviceId, m.code)).toString('base64');
  return post(c, '/v1/pairing/confirm', 'pair-confirm', { code: m.code, memberId: m.memberId, memberPublicKeyPem: m.memberPublicKeyPem, deviceId: m.deviceId, delegationSig });
}

/** A small JSON file in the data dir (0600), or memory where there is no data dir (tests, probe). */
class Kept<T> {
  readonly #file: string | null;
  #value: T;
  constructor(dataDir: string, name: string, empty: T) {
    this.#file = dataDir ? path.join(dataDir, name) : null;
    this.#value = empty;
    try {
      if (this.#file) this.#value = JSON.parse(fs.readFileSync(this.#file, 'utf8')) as T;
    } catch {
      // none yet, or unreadable: start empty
    }
  }
  get(): T {
    return this.#value;
  }
  set(value: T): void {
    this.#value = value;
    if (this.#file) writePrivateFile(this.#file, JSON.stringify(value));
  }
}

type CodeState = { code: string; expiresAt: number; account: string; joined: { deviceId: string; name: string } | null };
export type Joining = { code: string; state: 'waiting' | 'joined' | 'failed'; detail: string };
export type Member = { account: string; pairedAt: number; code: string; network: string };

export interface PairingOptions {
  dataDir: string;
  /** The running session's signed-request context, or null before the network is trusted. */
  context: () => PairingContext | null;
  /** This machine on the network: its device id and the name it goes by. */
  device: () => { deviceId: string; name: string };
  network: () => string | null;
  log?: (message: string) => void;
}

/** Both sides of pairing for one worker: the codes it made (kept across restarts) and its own joining. */
export class PairingService {
  readonly #o: PairingOptions;
  /** Codes made here, kept in the data dir so a restart still confirms the machine that redeems one. */
  readonly #codes: Kept<CodeState[]>;
  readonly #member: Kept<Member | null>;
  #joining: Joining | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #onJoin: ((j: Joining) => void) | null = null;

  constructor(options: PairingOptions) {
    this.#o = options;
    this.#codes = new Kept(options.dataDir, CODES_FILE, []);
    this.#member = new Kept(options.dataDir, MEMBER_FILE, null);
  }

  member(): Member | null {
    return this.#member.get();
  }

  joining(): Joining | null {
    return this.#joining;
  }

  codes(now = Date.now()) {
    return this.#codes.get().map((c) => ({
      code: c.code, expiresAt: c.expiresAt, machine: c.joined, state: c.joined ? 'joined' as const : now > c.expiresAt ? 'expired' as const : 'open' as const,
    }));
  }

  /** A new code from the network; this machine then confirms whichever machine redeems it. */
  async newCode(): Promise<IssuedCode> {
    const c = this.#context();
    const issued = await requestCode(c);
    const now = Date.now();
    // Codes that can no longer be confirmed, and joins older than a day, are dropped.
    const kept = this.#codes.get().filter((k) => (k.joined ? now - k.expiresAt < 86_400_000 : now < k.expiresAt + CONFIRM_GRACE_MS));
    this.#codes.set([...kept, { code: issued.code, expiresAt: issued.expiresAt, account: issued.account, joined: null }]);
    this.#schedule();
    return issued;
  }

  /** Redeems the owner's code and waits for the owner's machine; resolves once redeemed, `onChange` hears the rest. */
  async join(text: string, onChange?: (j: Joining) => void): Promise<Joining> {
    const code = normalizeCode(text);
    if (!code) throw new PairingRefused('bad-code', `"${text}" is not a pairing code: it is 8 letters and digits, such as 7K3M-Q9TX, shown on the owner's dashboard.`);
    const member = this.#member.get();
    if (member?.code === code) return this.#setJoining({ code, state: 'joined', detail: `Already paired into account ${member.account}.` });
    this.#onJoin = onChange ?? null;
    const answer = await redeemCode(this.#context(), code, this.#o.device());
    this.#setJoining({ code, state: 'waiting', detail: `Waiting for the owner's machine to confirm (account ${answer.account}); it must be running.` });
    if (answer.state === 'joined') this.#joined(code, answer.account);
    this.#schedule();
    return this.#joining!;
  }

  /** Starts confirming codes made here (after a restart too) and waiting on a join; returns the stop. */
  start(): () => void {
    this.#stopped = false;
    this.#schedule();
    return () => this.stop();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #context(): PairingContext {
    const c = this.#currentContext();
    if (!c) throw new PairingRefused('no-network', 'This worker is not connected to a network yet; try again in a moment.');
    return c;
  }

  /** The signed-request context, or null while the network is not trusted yet. */
  #currentContext(): PairingContext | null {
    try {
      return this.#o.context();
    } catch {
      return null;
    }
  }

  #busy(now = Date.now()): boolean {
    return this.#joining?.state === 'waiting' || this.#codes.get().some((k) => !k.joined && now < k.expiresAt + CONFIRM_GRACE_MS);
  }

  #schedule(): void {
    if (this.#stopped || this.#timer || !this.#busy()) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#tick().finally(() => this.#schedule());
    }, POLL_MS);
    this.#timer.unref?.();
  }

  async #tick(): Promise<void> {
    const c = this.#currentContext();
    if (!c) return; // offline: the next tick tries again
    await Promise.all([this.#confirmPending(c), this.#checkJoin(c)]);
  }

  /** Owner side: sign for machines that redeemed a code this machine made, and only those. */
  async #confirmPending(c: PairingContext): Promise<void> {
    const mine = this.#codes.get().filter((k) => !k.joined && k.account === c.account.id);
    if (!mine.length) return;
    let pending: PendingMachine[];
    try {
      pending = await pendingMachines(c);
    } catch (error) {
      this.#o.log?.(`pairing: could not ask for machines waiting to pair: ${(error as Error).message}`);
      return;
    }
    for (const m of pending) {
      if (!mine.some((k) => k.code === m.code)) continue;
      try {
        await confirmMachine(c, m);
        this.#codes.set(this.#codes.get().map((k) => (k.code === m.code ? { ...k, joined: { deviceId: m.deviceId, name: m.name } } : k)));
        this.#o.log?.(`pairing: ${m.name} (${m.deviceId}) joined this account with code ${spaced(m.code)}`);
      } catch (error) {
        this.#o.log?.(`pairing: could not confirm ${m.deviceId}: ${(error as Error).message}`);
      }
    }
  }

  /** New machine side: ask again until the owner's machine confirmed, or the network says it never will. */
  async #checkJoin(c: PairingContext): Promise<void> {
    const j = this.#joining;
    if (j?.state !== 'waiting') return;
    try {
      const answer = await redeemCode(c, j.code, this.#o.device());
      if (answer.state === 'joined') this.#joined(j.code, answer.account);
    } catch (error) {
      if (error instanceof PairingRefused && error.code !== 'rate-limited' && !error.code.startsWith('http-5')) {
        this.#setJoining({ ...j, state: 'failed', detail: error.message });
      }
    }
  }

  #joined(code: string, account: string): void {
    this.#member.set({ account, pairedAt: Date.now(), code, network: this.#o.network() ?? '' });
    this.#setJoining({ code, state: 'joined', detail: `Paired: this machine now belongs to account ${account}.` });
  }

  #setJoining(j: Joining): Joining {
    this.#joining = j;
    this.#onJoin?.(j);
    return j;
  }
}

/** The contract's pairing channels over one service (Add New Device's "Add another machine", the join wizard). */
export function pairingHandlers(service: () => PairingService, network: () => string | null, account: () => string | null) {
  const status = (): PairingStatus => {
    const s = service();
    const member = s.member();
    return {
      network: network(), account: account(), member: member ? { account: member.account, pairedAt: member.pairedAt } : null, codes: s.codes(), joining: s.joining(),
    };
  };
  const refused = (error: unknown): never => {
    if (error instanceof PairingRefused) throw new ContractFailure(error.code === 'no-network' || error.code === 'bad-answer' ? 'unavailable' : 'bad-request', error.message);
    throw new ContractFailure('unavailable', `The network could not be asked: ${(error as Error).message}`);
  };
  return {
    'pairing.code': async (): Promise<PairingCode> => {
      const url = network();
      if (!url) throw new ContractFailure('unavailable', 'This worker runs without a network: choose one on Add New Device, step Network.');
      const issued = await service().newCode().catch(refused);
      return { code: issued.code, expiresAt: issued.expiresAt, account: issued.account, network: url, loopback: /^https?:\/\/(127\.|localhost[:/]|\[::1\])/.test(url) };
    },
    'pairing.status': async () => status(),
    'pairing.join': async ({ code }: { code: string }) => {
      await service().join(code).catch(refused);
      return status();
    },
  };
}
