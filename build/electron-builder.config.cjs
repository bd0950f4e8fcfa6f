// electron-builder: how IO Worker is packaged (Windows NSIS, macOS dmg + zip, Linux AppImage + deb),
// which fuses are burnt into the Electron binary, and where updates are published (generic provider).
// `npm run dist` builds for the host OS; see build/README.md. Checked by main/shell/packaging.test.ts.

/** Where the update feed lives: latest*.yml, beta*.yml and the artifacts, served over https. */
const UPDATE_URL = process.env.IO_WORKER_UPDATE_URL || 'https://updates.io-worker.invalid/desktop';

/**
 * Every fuse named, none left to Electron's default (as Element Desktop does): the checklist's
 * "check which fuses you can change". Release builds only; development runs the plain binary.
 * @type {Required<import('app-builder-lib').FuseOptionsV1>}
 */
const electronFuses = {
  runAsNode: false, // ELECTRON_RUN_AS_NODE would turn the signed app into a general Node runtime
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false, // NODE_OPTIONS could inject code at startup
  enableNodeCliInspectArguments: false, // --inspect / SIGUSR1 would open a debugger into main
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true, // with integrity validation: no unvalidated code can be loaded
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false, // the app is served from app://, never file://
};

/** @type {import('app-builder-lib').Configuration} */
module.exports = {
  appId: 'network.io-worker.desktop',
  productName: 'IO Worker',
  executableName: 'io-worker',
  copyright: 'Copyright © IO Worker contributors',
  directories: { output: 'dist', buildResources: 'build' },
  // The built app and its runtime assets; dependencies come from package.json automatically.
  files: ['out/**/*', 'resources/**/*', 'package.json', '!**/*.map', '!**/*.test.*'],
  asar: true,
  // Native modules cannot be loaded from inside the archive.
  asarUnpack: ['**/node_modules/keytar/**', '**/*.node'],
  electronFuses,
  publish: [{ provider: 'generic', url: UPDATE_URL, channel: 'latest' }],
  // A version like 0.3.0-beta.1 publishes beta*.yml; stable users never see it, beta users see both.
  detectUpdateChannel: true,
  generateUpdatesFilesForAllChannels: true,
  win: {
    target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
    icon: 'build/icon.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    differentialPackage: true,
    deleteAppDataOnUninstall: false, // the device identity and ledger outlive a reinstall
  },
  mac: {
    target: [
      { target: 'dmg', arch: ['arm64', 'x64'] },
      { target: 'zip', arch: ['arm64', 'x64'] }, // electron-updater on macOS updates from the zip
    ],
    category: 'public.app-category.utilities',
    icon: 'build/icon.png',
    hardenedRuntime: true,
    entitlements: 'build/entitlements.mac.plist',
    entitlementsInherit: 'build/entitlements.mac.plist',
  },
  dmg: { sign: false },
  linux: {
    target: [
      { target: 'AppImage', arch: ['x64', 'arm64'] },
      { target: 'deb', arch: ['x64', 'arm64'] },
    ],
    category: 'Utility',
    icon: 'build/icon.png',
    synopsis: 'Lend your GPU/CPU to a decentralized compute network',
    maintainer: 'IO Worker contributors',
  },
  // keytar talks to the Secret Service through libsecret; tray icons need the AppIndicator library.
  deb: { depends: ['libsecret-1-0', 'libayatana-appindicator3-1 | libappindicator3-1', 'libnotify4', 'libnss3'] },
};
