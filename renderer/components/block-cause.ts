// The cause of a failed block in one sentence, as the Block page shows it: asked of the worker's ledger
// (block.detail, the one cause maker) once per block, for the Block Rewards rows, Home and Device.
import { useEffect, useState } from 'react';
import { blockCauseSentence, clockTime } from '../../preload/contract/block-words.ts';
import type { BlockRewardRow } from '../../preload/contract/index.ts';
import { api } from '../api';

/** How often a network closes a block, in words: "hour", "2 h", "30 s", "5 min". */
export function blockEvery(seconds: number): string {
  if (seconds === 3600) return 'hour';
  if (seconds === 60) return 'minute';
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Causes of closed blocks, by device and start: they do not change, so each is asked for once. */
const causes = new Map<string, string>();

/** The sentence for a failed block (null while it is asked for, or for a passed one). */
export function useBlockCause(device: string | null, blockStart: number | null, failed: boolean): string | null {
  const key = device && blockStart !== null ? `${device}@${blockStart}` : null;
  const [cause, setCause] = useState<string | null>(key ? (causes.get(key) ?? null) : null);
  useEffect(() => {
    if (!key || !failed || device === null || blockStart === null) return setCause(null);
    if (causes.has(key)) return setCause(causes.get(key)!);
    let live = true;
    api.request('block.detail', { device, blockStart }).then(
      (detail) => {
        const sentence = blockCauseSentence(detail.cause, clockTime());
        if (causes.size > 500) causes.clear();
        causes.set(key, sentence);
        if (live) setCause(sentence);
      },
      () => {}, // the network's own reason stays shown
    );
    return () => {
      live = false;
    };
  }, [key, device, blockStart, failed]);
  return cause;
}

/** This machine's Block Rewards row of a block id (the ledger records it as the result arrives: asked again a few times). */
export function useBlockRow(blockId: number | null | undefined): BlockRewardRow | null {
  const [row, setRow] = useState<BlockRewardRow | null>(null);
  useEffect(() => {
    setRow(null);
    if (blockId == null) return;
    let live = true;
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () => {
      api.request('rewards.page', { page: 1, pageSize: 10 }).then(
        (page) => {
          const found = page.rows.find((r) => r.blockId === blockId) ?? null;
          if (!live) return;
          if (found) setRow(found);
          else if (++tries < 5) timer = setTimeout(ask, 2000);
        },
        () => {},
      );
    };
    ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [blockId]);
  return row;
}
