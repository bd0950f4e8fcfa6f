// What a dashboard asks first, answered inside its page by `io-worker serve`: the HTML carries the
// replies, so Home paints live figures without waiting for its socket, which then refreshes them.
// No zod here: the first page's bundle reads this.
import type { RequestChannel } from './channels.ts';
import type { Reply } from './errors.ts';

/** The id of the `<script type="application/json">` element that carries the answers. */
export const FIRST_ANSWERS_ELEMENT_ID = 'io-worker-first-answers';

/** What the dashboard asks after each (re)connect (renderer/store/app.ts, load). */
export const FIRST_REQUESTS = [
  ['system.status', {}],
  ['settings.get', {}],
  ['system.inventory', { refresh: false }],
  ['telemetry.recent', { seconds: 2 }],
] as const satisfies readonly (readonly [RequestChannel, object])[];

export type FirstChannel = (typeof FIRST_REQUESTS)[number][0];

/** The replies the page was served with; a request that was not answered in time is left out. */
export type FirstAnswers = { [C in FirstChannel]?: Reply<C> };
