// The one contract between the UI and the worker core, by area. Both transports (Electron IPC,
// headless WebSocket) and the renderer's api client are built from it. The preload script itself
// imports only ./channel-names.ts, which has no zod, so its bundle stays small.

export * from './common.ts';
export * from './hardware.ts';
export * from './status.ts';
export * from './settings.ts';
export * from './history.ts';
export * from './updates.ts';
export * from './network.ts';
export * from './pairing.ts';
export * from './earnings.ts';
export * from './blocks.ts';
export * from './alerts.ts';
export * from './channels.ts';
export * from './errors.ts';
export * from './wire.ts';
export * from './channel-names.ts';
export * from './words.ts';
