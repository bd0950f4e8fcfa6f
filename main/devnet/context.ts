// What the coordinator's rooms share: the store, the parameters, the log, each other, and the one
// error every refusal travels as (a JSON error over HTTP, an `error` message on a session).
import type { Blocks } from './blocks.ts';
import type { Devices } from './devices.ts';
import type { Explorer } from './explorer.ts';
import type { Hires } from './hires.ts';
import type { LinkMeasure } from './link-measure.ts';
import type { OfflineAlerts } from './offline-alerts.ts';
import type { Pairing } from './pairing.ts';
import type { OwnOutage } from './own-outage.ts';
import type { Params } from './params.ts';
import type { Sessions } from './sessions.ts';
import type { NetworkIdentity } from './identity.ts';
import type { DevnetStore } from './store.ts';

/** The largest HTTP body or session message a coordinator reads. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class ProtocolError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Who reads the explorer: what is not public is for the operator and the owner only. */
export type Viewer = { kind: 'public' } | { kind: 'operator' } | { kind: 'owner'; signer: string };

/** The rooms reach each other through this; none calls another while it is being built. */
export interface Rooms {
  readonly params: Params;
  readonly store: DevnetStore;
  /** Who this network is: its id and the key that signs what it sends. */
  readonly network: NetworkIdentity;
  readonly log: (message: string) => void;
  readonly devices: Devices;
  readonly sessions: Sessions;
  readonly blocks: Blocks;
  readonly hires: Hires;
  readonly explorer: Explorer;
  readonly offlineAlerts: OfflineAlerts;
  /** Other machines paired into an account, and what their keys may do for it (pairing.ts). */
  readonly pairing: Pairing;
  /** The network's measurement of each device's link: the tier comes from it. */
  readonly link: LinkMeasure;
  /** The network's own last outage: a device's silence during it breaks no streak. */
  readonly outage: OwnOutage;
}
