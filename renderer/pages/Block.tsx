// One block explained (opened from a Block Rewards row): the network's verdict beside what this
// worker saw, on one time line of the block, and one sentence naming the cause of a failure.
import { useEffect, useState } from 'react';
import { blockCauseSentence, clockTime as clock, durationWords, EVIDENCE_GAP_WORDS } from '../../preload/contract/block-words.ts';
import type { BlockDetail, EvidenceChallenge, EvidenceGap } from '../../preload/contract/index.ts';
import { PAUSE_SOURCE_WORDS, POW_RESULT_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { clockSeconds, coins, score } from '../format';
import { useApp } from '../store/app';
import { routeParams } from '../router';

const capital = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

export function Block() {
  const params = routeParams();
  const device = params.get('device') ?? '';
  const start = Number(params.get('start'));
  const [detail, setDetail] = useState<BlockDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!device || !Number.isSafeInteger(start)) {
      setError('This link names no block: open one from the Block Rewards table.');
      return;
    }
    api.request('block.detail', { device, blockStart: start }).then(setDetail, (e: Error) => setError(e.message));
  }, [device, start]);

  return (
    <div className="page block-page">
      <p>
        <a href="#/earnings">← Earnings &amp; Rewards</a>
      </p>
      <h1>Block {detail?.verdict.blockId ?? ''}</h1>
      {error ? <p className="error">Block unavailable: {error}</p> : null}
      {detail ? <Explained detail={detail} /> : error ? null : <p className="muted">Loading…</p>}
    </div>
  );
}

function Explained({ detail }: { detail: BlockDetail }) {
  const v = detail.verdict;
  const failed = v.status === 'failed';
  const own = useApp((s) => s.status);
  const day = new Date(detail.window.start).toLocaleDateString(undefined, { dateStyle: 'medium' });
  return (
    <>
      <p className="muted small" data-testid="block-when">
        {/* The machine by its name where this one knows it (its own); the id stays for support. */}
        {own && own.deviceId === v.device ? (
          <>
            {own.deviceName} (<span className="mono">{v.device}</span>)
          </>
        ) : (
          <>
            Device <span className="mono">{v.device}</span>
          </>
        )}{' '}
        · {day}, {clockSeconds(detail.window.start)} to {clockSeconds(detail.window.end)}
      </p>
      <p className={`block-cause ${failed ? 'error' : ''}`} data-testid="block-cause">
        {blockCauseSentence(detail.cause, clock())}
      </p>
      <div className="block-columns">
        <section className="card" aria-labelledby="verdict-title">
          <h2 id="verdict-title">The network’s verdict</h2>
          <dl className="facts" data-testid="block-verdict">
            <dt>Status</dt>
            <dd>
              <span className={`pill ${failed ? 'pill-bad' : 'pill-ok'}`}>{failed ? 'Failed' : 'Completed'}</span>
              {v.detail ? <span className="muted small"> {v.detail}</span> : null}
            </dd>
            <dt>Tier</dt>
            <dd>{v.tier === null ? '–' : `Tier ${v.tier}`}</dd>
            <dt>Processor</dt>
            <dd>{v.processorType ?? '–'}</dd>
            <dt>Quantity</dt>
            <dd>{v.quantity ?? '–'}</dd>
            <dt>Liveness (POTL)</dt>
            <dd>{v.potl ? `${v.potl.answered} of ${v.potl.issued} answered, as the network counted them` : '–'}</dd>
            <dt>Compute proof (POW)</dt>
            <dd>{v.pow ? (POW_RESULT_WORDS[v.pow] ?? v.pow) : '–'}</dd>
            <dt>Base score</dt>
            <dd>{score(v.baseScore)}</dd>
            <dt>Normalized score</dt>
            <dd>{score(v.normalizedScore)}</dd>
            <dt>Reward</dt>
            <dd>{coins(v.amount)}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="record-title">
          <h2 id="record-title">What this worker saw</h2>
          {detail.record ? <Record detail={detail} /> : <p className="muted">This machine kept no record of this block.</p>}
        </section>
      </div>
    </>
  );
}

interface Line {
  t: number;
  text: string;
  bad: boolean;
}

function challengeLines(c: EvidenceChallenge): Line[] {
  const name = c.kind === 'potl' ? 'Liveness challenge' : 'POW challenge';
  const lines: Line[] = [{ t: c.arrivedAt, text: `${name} arrived (deadline ${clockSeconds(c.deadline)})`, bad: c.arrivedAt > c.deadline }];
  if (c.answeredAt === null) return [...lines, { t: c.deadline, text: `${name} never answered`, bad: true }];
  const late = c.answeredAt > c.deadline;
  const solved = c.solveMs === null ? '' : `solved in ${durationWords(c.solveMs)}, `;
  lines.push({
    t: c.answeredAt,
    text: `${name} answer sent: ${solved}${durationWords(c.answeredAt - c.arrivedAt)} after it arrived, ${late ? `${durationWords(c.answeredAt - c.deadline)} after the deadline` : 'in time'}`,
    bad: late,
  });
  if (c.ackedAt !== null) lines.push({ t: c.ackedAt, text: `${name} answer acknowledged by the network`, bad: false });
  if (c.refused) lines.push({ t: c.answeredAt, text: `${name} answer refused by the network: ${c.refused.message}`, bad: true });
  return lines;
}

function gapLines(g: EvidenceGap): Line[] {
  // The pause's holder in words ("Paused by a limit you set"), never its code.
  const what = g.source ? capital(PAUSE_SOURCE_WORDS[g.source]) : EVIDENCE_GAP_WORDS[g.reason];
  return [
    { t: g.start, text: `${what} from ${clockSeconds(g.start)}`, bad: g.reason !== 'hired' },
    ...(g.end === null ? [] : [{ t: g.end, text: `${what} ended`, bad: false }]),
  ];
}

function Record({ detail }: { detail: BlockDetail }) {
  const record = detail.record!;
  const { start, end } = detail.window;
  const span = Math.max(1, end - start);
  const at = (t: number) => `${Math.min(100, Math.max(0, ((t - start) / span) * 100))}%`;
  const lines = [...record.challenges.flatMap(challengeLines), ...record.gaps.flatMap(gapLines)].sort((a, b) => a.t - b.t);
  return (
    <>
      <div className="block-timeline" role="img" aria-label="The block's time line: gaps as bands, challenges as marks">
        {record.gaps.map((g) => (
          <span
            key={`${g.reason}-${g.start}`}
            className={`band band-${g.reason}`}
            style={{ left: at(g.start), width: `calc(${at(g.end ?? end)} - ${at(g.start)})` }}
            title={`${EVIDENCE_GAP_WORDS[g.reason]} ${clockSeconds(g.start)} – ${g.end === null ? 'on' : clockSeconds(g.end)}`}
          />
        ))}
        {record.challenges.map((c) => (
          <span
            key={c.id}
            className={`mark mark-${c.kind} ${c.answeredAt !== null && c.answeredAt <= c.deadline ? 'mark-ok' : 'mark-bad'}`}
            style={{ left: at(c.arrivedAt) }}
            title={`${c.kind === 'potl' ? 'Liveness' : 'POW'} challenge at ${clockSeconds(c.arrivedAt)}`}
          />
        ))}
      </div>
      <div className="muted small block-timeline-ends">
        <span>{clockSeconds(start)}</span>
        <span>{clockSeconds(end)}</span>
      </div>
      <ol className="block-events" data-testid="block-events">
        {lines.map((l, i) => (
          <li key={i} className={l.bad ? 'warning-text' : undefined}>
            <span className="mono">{clockSeconds(l.t)}</span> {l.text}
          </li>
        ))}
        {record.potlNeverArrived > 0 ? (
          <li className="warning-text">
            {record.potlNeverArrived} liveness {record.potlNeverArrived === 1 ? 'challenge' : 'challenges'} the network issued never reached this worker
          </li>
        ) : null}
        {record.powNeverArrived ? <li className="warning-text">The POW challenge the network issued never reached this worker</li> : null}
        {record.hired ? <li>Hired during this block</li> : null}
        {lines.length === 0 && !record.potlNeverArrived ? <li className="muted">Nothing reached this worker during the block.</li> : null}
      </ol>
    </>
  );
}
