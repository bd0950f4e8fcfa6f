// Windows: a Task Scheduler task for `serve` (Node cannot be a Windows service without a wrapper
// binary, and the task needs none): it starts at boot as SYSTEM when installed from an elevated
// prompt, else at the user's logon; restarts after a failure (every minute, up to 999 times); never
// stopped for running long; its output appended to a log in the data dir. Registered with `schtasks /Create /XML`, removed with `/Delete`.
export const TASK_NAME = 'IO Worker';

export interface TaskOptions {
  node: string;
  script: string;
  dataDir: string;
  port: number;
  host: string;
  /** 'system': at boot as SYSTEM; 'user': at this user's logon. */
  scope: 'system' | 'user';
  /** DOMAIN\\user for a logon trigger. */
  user: string;
  /** Where cmd.exe appends the worker's output (a task has no console to keep it). */
  logFile: string;
}

export class UnsafeWindowsPath extends Error {}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Windows' own rule for one command-line argument (CommandLineToArgvW): quoted, with backslashes before quotes doubled. */
export function windowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

export function scheduledTaskXml(o: TaskOptions): string {
  const parts = [o.node, o.script, 'serve', '--data-dir', o.dataDir, '--host', o.host, '--port', String(o.port)];
  // cmd.exe reads these even inside quotes; a path holding one is refused rather than run wrongly.
  for (const part of [...parts, o.logFile]) {
    if (/[%^&|<>!]/.test(part)) throw new UnsafeWindowsPath(`The path ${part} holds one of % ^ & | < > !, which the Windows task cannot pass safely; choose a data dir without them (--data-dir).`);
  }
  // /s /c "…": cmd strips the outer quotes and runs the line as written, appending its output to the log.
  const args = `/d /s /c "${parts.map(windowsArg).join(' ')} >> ${windowsArg(o.logFile)} 2>&1"`;
  const trigger = o.scope === 'system' ? '<BootTrigger><Enabled>true</Enabled></BootTrigger>' : `<LogonTrigger><Enabled>true</Enabled><UserId>${xml(o.user)}</UserId></LogonTrigger>`;
  const principal =
    o.scope === 'system'
      ? '<Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal>'
      : `<Principal id="Author"><UserId>${xml(o.user)}</UserId><LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel></Principal>`;
  return `<?xml version="1.0" encoding="UTF-16"?>
<!-- Written by io-worker service install; io-worker service uninstall removes it. -->
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>IO Worker: lends this machine's GPU/CPU to a compute network</Description>
  </RegistrationInfo>
  <Triggers>
    ${trigger}
  </Triggers>
  <Principals>
    ${principal}
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>%SystemRoot%\\System32\\cmd.exe</Command>
      <Arguments>${xml(args)}</Arguments>
    </Exec>
  </Actions>
</Task>
`;
}

/** schtasks reads task XML as UTF-16 (little-endian, with its byte-order mark), as Task Scheduler exports it. */
export function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]);
}
