// The dashboard's first answers put into its page (preload/contract/first-answers.ts): one round
// trip less before Home shows the GPU. Only for a request that carries the right token, and only
// answers that are ready within a moment: a worker still starting serves the page without them.
import { FIRST_ANSWERS_ELEMENT_ID, FIRST_REQUESTS, type FirstAnswers } from '../../preload/contract/first-answers.ts';
import type { Reply } from '../../preload/contract/index.ts';
import type { Dispatch } from '../dispatch.ts';

/** Longer than any of these takes on a running worker, short enough that a starting one does not hold the page. */
export const FIRST_ANSWER_WAIT_MS = 150;

export async function firstAnswers(dispatch: Dispatch, waitMs = FIRST_ANSWER_WAIT_MS): Promise<FirstAnswers> {
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), waitMs)));
  const answers = await Promise.all(
    FIRST_REQUESTS.map(async ([channel, args]) => {
      // A handler that throws, even synchronously, only leaves its answer out: the page is still served.
      const reply = Promise.resolve().then(() => dispatch(channel, args)).catch(() => late);
      return [channel, await Promise.race([reply, deadline])] as const;
    }),
  );
  clearTimeout(timer);
  return Object.fromEntries(answers.filter(([, reply]) => reply !== late && (reply as Reply).ok)) as FirstAnswers;
}

/** The page with the answers before `</head>`; `<` is escaped, so no text in them (a device's name) can end the element. */
export function withFirstAnswers(html: Uint8Array, answers: FirstAnswers): Uint8Array {
  const text = Buffer.from(html).toString('utf8');
  const at = text.indexOf('</head>');
  if (at < 0 || Object.keys(answers).length === 0) return html;
  const json = JSON.stringify(answers).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return Buffer.from(`${text.slice(0, at)}<script type="application/json" id="${FIRST_ANSWERS_ELEMENT_ID}">${json}</script>\n  ${text.slice(at)}`);
}
