// Argument checks the ledger's records share: a bad argument is a TypeError that names it, thrown
// before anything is queued, so one bad call loses nothing else.

export function checkDevice(device: string): string {
  if (typeof device !== 'string' || device.length === 0 || device.length > 128) {
    throw new TypeError(`A device id must be a string of 1 to 128 characters, not ${JSON.stringify(device)}.`);
  }
  return device;
}

export function checkTime(name: string, t: number): number {
  if (!Number.isSafeInteger(t) || t < 0) throw new TypeError(`${name} must be a non-negative integer of epoch milliseconds, not ${t}.`);
  return t;
}

export function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new TypeError(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}.`);
  return value;
}
