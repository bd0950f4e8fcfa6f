// Pairing another machine into this account (docs/protocol.md, "Pairing"): the owner's one-time code,
// what became of the codes made here, and this machine's own joining.
import { z } from 'zod';
import { EpochMs, Name, Text } from './common.ts';

/** What people type: 8 letters and digits, dashes and spaces allowed (normalized by the worker). */
export const PairingCodeInput = z.string().trim().min(1).max(32);

export const PairingCodeSchema = z.object({
  /** 8 characters of Crockford's base32 (no I, L, O, U); shown as two groups of four. */
  code: z.string(),
  expiresAt: EpochMs,
  /** The coordinator the other machine must join (`--network`). */
  network: Text,
  /** True when that address is this machine's own loopback (the built-in devnet): another machine cannot reach it. */
  loopback: z.boolean(),
  account: Text,
});
export type PairingCode = z.infer<typeof PairingCodeSchema>;

export const PairingStatusSchema = z.object({
  /** The coordinator this worker is on (null: no network). */
  network: Text.nullable(),
  /** This machine's account key id on that network. */
  account: Text.nullable(),
  /** Set when this machine was paired into another machine's account. */
  member: z.object({ account: Text, pairedAt: EpochMs }).nullable(),
  /** Codes made here: open until used or expired, then which machine joined with it. */
  codes: z.array(z.object({
    code: z.string(),
    expiresAt: EpochMs,
    state: z.enum(['open', 'joined', 'expired']),
    machine: z.object({ deviceId: Text, name: Name }).nullable(),
  })),
  /** This machine joining an account with a code from its owner (`serve --pair`, or the wizard). */
  joining: z.object({ code: z.string(), state: z.enum(['waiting', 'joined', 'failed']), detail: Text }).nullable(),
});
export type PairingStatus = z.infer<typeof PairingStatusSchema>;

/** A code as people read it, "7K3M-Q9TX"; `--pair` and the redeem accept either form. */
export const spacedCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;
