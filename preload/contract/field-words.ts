// The fields a person fills in, in their words and units, for error messages: "GPU temperature
// limit: at most 110 °C", never a schema path. No zod: the dispatcher turns zod's issues into these.

/** A field's name for people, and the unit its limits are written in. */
/** `form`: what a value of a patterned field looks like, said where one does not match. */
export const FIELD_WORDS: Record<string, { name: string; unit?: string; form?: string }> = {
  name: { name: 'Device name' },
  deviceName: { name: 'Device name' },
  address: { name: 'Wallet address' },
  theme: { name: 'Theme' },
  sampleIntervalMs: { name: 'Sample interval', unit: ' ms' },
  network: { name: 'Network address' },
  'limits.gpuTemperatureC': { name: 'GPU temperature limit', unit: ' °C' },
  'limits.gpuHotspotC': { name: 'GPU hotspot limit', unit: ' °C' },
  'limits.gpuMemoryTemperatureC': { name: 'GPU memory temperature limit', unit: ' °C' },
  'limits.gpuPowerW': { name: 'GPU power limit', unit: ' W' },
  'energy.pricePerKWh': { name: 'Electricity price per kWh' },
  'energy.currency': { name: 'Currency' },
  'energy.coinPrice': { name: 'Coin price' },
  'desktop.updateCheckHours': { name: 'Update check interval', unit: ' h' },
  'desktop.updateFeedUrl': { name: 'Update feed address' },
  'metrics.listen': { name: 'Metrics address', form: 'host:port, such as 127.0.0.1:9400' },
  seconds: { name: 'Time range', unit: ' s' },
  days: { name: 'Number of days' },
  limit: { name: 'Number of rows' },
  pageSize: { name: 'Rows per page' },
};

export interface FieldIssue {
  path: string;
  code: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  expected?: string;
  message: string;
}

/** One issue in the user's words: the field's name, then what it must be. */
export function fieldIssueWords(issue: FieldIssue): string {
  const field = FIELD_WORDS[issue.path] ?? FIELD_WORDS[issue.path.split('.').slice(-1)[0] ?? ''];
  const name = field?.name ?? 'This value';
  const unit = field?.unit ?? '';
  const text = issue.origin === 'string' || issue.origin === 'array';
  const amount = (n: number | bigint | undefined) => `${Number(n).toLocaleString('en-US')}${text ? ` ${issue.origin === 'string' ? 'characters' : 'items'}` : unit}`;
  switch (issue.code) {
    case 'too_big':
      return `${name}: at most ${amount(issue.maximum)}.`;
    case 'too_small':
      return text && Number(issue.minimum) === 1 ? `${name}: cannot be empty.` : `${name}: at least ${amount(issue.minimum)}.`;
    case 'invalid_type':
      return `${name}: ${issue.expected === 'number' ? 'a number' : issue.expected === 'string' ? 'text' : `a ${issue.expected ?? 'different'} value`} is needed.`;
    case 'invalid_format':
      if (field?.form) return `${name}: write it as ${field.form}.`;
      return `${name}: not in the form this field takes.`;
    case 'unrecognized_keys':
      return `${name}: holds a field this version does not know.`;
    default:
      // A refinement's own message is already written for people (the schema's words).
      return `${name}: ${issue.message.replace(/^Invalid input.*$/, 'not a valid value')}${/[.!?]$/.test(issue.message) ? '' : '.'}`;
  }
}
