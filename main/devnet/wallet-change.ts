// A device's payout wallet, once set, changes only after a delay (the network's walletChangeDelaySeconds),
// announced meanwhile to every machine of the account; another machine of the account may confirm it
// (it pays at once) and any key of the account may cancel it. A stolen machine alone cannot redirect pay at once.
import type { z } from 'zod';
import type { Envelope, WalletChange, WalletDecisionSchema } from '../worker/protocol.ts';
import { ProtocolError, type Rooms } from './context.ts';
import type { DeviceRow } from './store.ts';

interface WalletChangeRow {
  device_id: string;
  account_id: string;
  wallet: string;
  requested_by: string;
  requested_at: number;
  effective_at: number;
}

export class WalletChanges {
  readonly #c: Rooms;
  readonly #pending = new Map<string, WalletChangeRow>();

  constructor(c: Rooms) {
    this.#c = c;
    for (const row of c.store.all<WalletChangeRow>('SELECT * FROM wallet_changes')) this.#pending.set(row.device_id, row);
  }

  /**
   * A set-wallet (or a registration naming another wallet): true when it is held as a pending change,
   * false when it may take effect now (the device's first wallet, or its current one again).
   */
  hold(device: DeviceRow, wallet: string, signer: string, now = Date.now()): boolean {
    const waiting = this.#pending.get(device.id);
    if (!device.wallet || device.wallet === wallet) {
      // The owner went back to the wallet that pays now: nothing waits any more.
      if (waiting) this.#drop(device, 'cancelled');
      return false;
    }
    if (waiting?.wallet === wallet) return true; // asked again (a restart re-registers): the clock is not reset
    const delay = this.#c.params.walletChangeDelaySeconds;
    if (delay === 0) return false;
    const row: WalletChangeRow = { device_id: device.id, account_id: device.account_id, wallet, requested_by: signer, requested_at: now, effective_at: now + delay * 1000 };
    this.#c.store.run('INSERT OR REPLACE INTO wallet_changes VALUES (?, ?, ?, ?, ?, ?)', row.device_id, row.account_id, row.wallet, row.requested_by, row.requested_at, row.effective_at);
    this.#pending.set(device.id, row);
    this.#c.log(`wallet change for ${device.id} waits until ${new Date(row.effective_at).toISOString()} (asked by ${signer})`);
    this.#announce(device.account_id);
    return true;
  }

  /**
   * Confirm or cancel a waiting change. Confirming needs a device key of the account other than the one
   * that asked: the account key may sit on the asking machine, so it can cancel but not confirm.
   */
  decide(env: Envelope, body: z.infer<typeof WalletDecisionSchema>): DeviceRow {
    const device = this.#c.devices.must(body.deviceId);
    const signerDevice = this.#c.devices.get(env.signer);
    // A device key, the account key, or a paired machine's member key (pairing.ts; a revoked one is refused there).
    const ofAccount = (signerDevice?.account_id ?? this.#c.pairing.accountOf(env.signer)) === device.account_id;
    if (!ofAccount) throw new ProtocolError('forbidden', 'Only a machine of this device\'s account may confirm or cancel its wallet change.', 403);
    const waiting = this.#pending.get(device.id);
    if (!waiting) throw new ProtocolError('not-found', `No wallet change waits for ${device.id}.`, 404);
    if (waiting.wallet !== body.wallet) throw new ProtocolError('conflict', `The waiting change is to ${waiting.wallet}, not ${body.wallet}; read it again.`, 409);
    if (body.decision === 'cancel') {
      this.#drop(device, `cancelled by ${env.signer}`);
      return device;
    }
    if (!signerDevice) throw new ProtocolError('forbidden', 'Confirm a wallet change from another machine of the account (signed by its device key), not with the account key.', 403);
    if (env.signer === waiting.requested_by) throw new ProtocolError('forbidden', 'The machine that asked for this change cannot confirm it: confirm it from another of your machines, or wait for the delay.', 403);
    this.#apply(device, waiting, `confirmed by ${env.signer}`);
    return device;
  }

  /** Pays to each change whose delay has run out. */
  tick(now: number): void {
    for (const row of this.#pending.values()) {
      if (row.effective_at > now) continue;
      const device = this.#c.devices.get(row.device_id);
      if (device) this.#apply(device, row, 'its delay ran out');
      else this.#forget(row.device_id);
    }
  }

  /** The account's waiting changes, as every machine of it is told. */
  pendingFor(accountId: string): WalletChange[] {
    const out: WalletChange[] = [];
    for (const row of this.#pending.values()) {
      if (row.account_id !== accountId) continue;
      const device = this.#c.devices.get(row.device_id);
      if (!device) continue;
      out.push({
        deviceId: row.device_id, deviceName: device.name, wallet: row.wallet, previous: device.wallet,
        requestedBy: row.requested_by, requestedAt: row.requested_at, effectiveAt: row.effective_at,
      });
    }
    return out;
  }

  #apply(device: DeviceRow, row: WalletChangeRow, why: string): void {
    device.wallet = row.wallet;
    this.#c.store.tx(() => {
      this.#c.store.run('UPDATE devices SET wallet = ? WHERE id = ?', row.wallet, device.id);
      this.#c.store.run('DELETE FROM wallet_changes WHERE device_id = ?', device.id);
    });
    this.#pending.delete(device.id);
    this.#c.log(`wallet of ${device.id} is now ${row.wallet} (${why})`);
    this.#announce(device.account_id);
  }

  #drop(device: DeviceRow, why: string): void {
    this.#forget(device.id);
    this.#c.log(`wallet change for ${device.id} ${why}`);
    this.#announce(device.account_id);
  }

  #forget(deviceId: string): void {
    this.#c.store.run('DELETE FROM wallet_changes WHERE device_id = ?', deviceId);
    this.#pending.delete(deviceId);
  }

  /** Every machine of the account hears of it (its status message), not only the one that changed. */
  #announce(accountId: string): void {
    for (const d of this.#c.devices.all()) if (d.account_id === accountId) this.#c.sessions.pushStatus(d.id);
  }
}
