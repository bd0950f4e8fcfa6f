// The dashboard's first answers inside its page, over a real socket: only with the right token,
// escaped so no text in them can end the element, and never holding the page for a slow or
// failing handler.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_ANSWERS_ELEMENT_ID, type FirstAnswers } from '../../preload/contract/first-answers.ts';
import { testCore } from '../../test/core-fixture.ts';
import type { Core } from '../core.ts';
import { FIRST_ANSWER_WAIT_MS } from './first-answers.ts';
import { startHeadlessServer, type HeadlessServer } from './server.ts';

const PAGE = '<!doctype html>\n<html><head><title>IO Worker</title></head><body><div id="root"></div></body></html>';
const HOSTILE_NAME = '</script><script>alert(1)</script><!--';

let core: Core;
let rendererDir: string;
const servers: HeadlessServer[] = [];

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-first-answers-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), PAGE);
  core = await testCore();
  await core.start();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await core.stop();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

async function serve(dispatch: Core['dispatch'] = core.dispatch): Promise<HeadlessServer> {
  const server = await startHeadlessServer({ host: '127.0.0.1', port: 0, rendererDir, dispatch, events: core.events });
  servers.push(server);
  return server;
}

/** The answers element of a page, parsed, or null when the page has none. */
function answersIn(html: string): FirstAnswers | null {
  const m = new RegExp(`<script type="application/json" id="${FIRST_ANSWERS_ELEMENT_ID}">([^<]*)</script>`).exec(html);
  return m ? (JSON.parse(m[1]!) as FirstAnswers) : null;
}

describe("the dashboard's first answers in its page", () => {
  it('come with the page asked for with its token, as the socket would answer them', async () => {
    const server = await serve();
    const html = await (await fetch(server.url)).text();
    const answers = answersIn(html)!;
    expect(answers).not.toBeNull();
    expect(answers['system.status']).toMatchObject({ ok: true, result: { deviceId: core.identity.deviceId } });
    expect(answers['settings.get']).toMatchObject({ ok: true });
    expect(answers['telemetry.recent']).toMatchObject({ ok: true });
    expect(html.indexOf(FIRST_ANSWERS_ELEMENT_ID)).toBeLessThan(html.indexOf('</head>'));
  });

  it('never come without the token, with a wrong one, for HEAD, or with another file', async () => {
    const server = await serve();
    const origin = `http://127.0.0.1:${server.port}`;
    for (const url of [`${origin}/`, `${origin}/?token=wrong`, `${origin}/index.html?token=${server.token.slice(1)}`]) {
      const html = await (await fetch(url)).text();
      expect(html, url).toBe(PAGE);
    }
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('keep a hostile device name as text: it cannot end the element or open a script', async () => {
    const server = await serve();
    const renamed = await core.dispatch('device.rename', { name: HOSTILE_NAME });
    expect(renamed.ok).toBe(true);
    const html = await (await fetch(server.url)).text();
    expect(html.match(/<script/g)).toHaveLength(1); // the answers element alone
    expect(html).not.toContain('<!--');
    const status = answersIn(html)!['system.status'];
    expect(status?.ok && status.result.deviceName).toBe(HOSTILE_NAME);
  });

  it('leave out what a handler does not answer in time or fails on, and the page still comes at once', async () => {
    const slow = (async (channel: unknown, args: unknown) => {
      if (channel === 'telemetry.recent') return new Promise(() => {}); // never answers
      if (channel === 'settings.get') throw new Error('boom');
      return core.dispatch(channel, args);
    }) as Core['dispatch'];
    const throwsAtOnce = ((channel: unknown, args: unknown) => {
      if (channel === 'system.inventory') throw new Error('thrown synchronously');
      return slow(channel, args);
    }) as Core['dispatch'];
    const server = await serve(throwsAtOnce);
    const began = Date.now();
    const res = await fetch(server.url);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(Date.now() - began).toBeLessThan(FIRST_ANSWER_WAIT_MS + 1000);
    expect(Object.keys(answersIn(html)!)).toEqual(['system.status']);
  });
});
