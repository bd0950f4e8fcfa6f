// macOS: a launchd job for `serve` (a LaunchAgent for the user, a LaunchDaemon as root) that starts
// at load and at boot or login, is started again when it exits with a failure, and logs to files in
// its data dir (launchd has no journal). Loaded with `launchctl bootstrap`, removed with `bootout`.
import os from 'node:os';
import path from 'node:path';

export const LAUNCHD_LABEL = 'net.ioworker.io-worker';

export interface LaunchdOptions {
  node: string;
  script: string;
  dataDir: string;
  port: number;
  host: string;
  /** A LaunchDaemon (root, at boot) names the user it runs as; a LaunchAgent runs as its user. */
  user: string | null;
}

/** Plist strings are XML text: the five specials escaped, nothing else. */
const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function launchdPlist(o: LaunchdOptions): string {
  const args = [o.node, o.script, 'serve', '--data-dir', o.dataDir, '--host', o.host, '--port', String(o.port)];
  const logs = path.join(o.dataDir, 'logs');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`io-worker service install\`; \`io-worker service uninstall\` removes it. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    <string>${xml(a)}</string>`).join('\n')}
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>ExitTimeOut</key>
  <integer>30</integer>
${o.user ? `  <key>UserName</key>\n  <string>${xml(o.user)}</string>\n` : ''}  <key>EnvironmentVariables</key>
  <dict>
    <key>NODE_ENV</key>
    <string>production</string>
  </dict>
  <key>StandardOutPath</key>
  <string>${xml(path.join(logs, 'io-worker.log'))}</string>
  <key>StandardErrorPath</key>
  <string>${xml(path.join(logs, 'io-worker.log'))}</string>
</dict>
</plist>
`;
}

export function plistPath(scope: 'system' | 'user', home = os.homedir()): string {
  return scope === 'system' ? `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist` : path.join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
}

/** launchctl's domain: the system's, or the logged-in user's GUI session. */
export function launchdDomain(scope: 'system' | 'user', uid = process.getuid?.() ?? 0): string {
  return scope === 'system' ? 'system' : `gui/${uid}`;
}
