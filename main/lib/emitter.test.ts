import { describe, expect, it } from 'vitest';
import { DisposableStore, Emitter } from './emitter.ts';

describe('Emitter', () => {
  it('calls every listener, survives a throwing one, and stops one on dispose', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<number>((e) => errors.push(e));
    const heard: number[] = [];
    const off = emitter.on((v) => heard.push(v));
    emitter.on(() => { throw new Error('broken listener'); });
    emitter.on((v) => heard.push(v * 10));
    emitter.emit(1);
    off();
    off();
    emitter.emit(2);
    expect(heard).toEqual([1, 10, 20]);
    expect(errors).toHaveLength(2);
    expect(emitter.size).toBe(2);
  });

  it('lets a listener unsubscribe itself while being called', () => {
    const emitter = new Emitter<string>();
    const heard: string[] = [];
    const off = emitter.on((v) => { heard.push(`a${v}`); off(); });
    emitter.on((v) => heard.push(`b${v}`));
    emitter.emit('1');
    emitter.emit('2');
    expect(heard).toEqual(['a1', 'b1', 'b2']);
  });
});

describe('DisposableStore', () => {
  it('disposes everything once, newest first, and disposes late additions at once', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(() => order.push('first'));
    store.add(() => order.push('second'));
    store.dispose();
    store.dispose();
    store.add(() => order.push('late'));
    expect(order).toEqual(['second', 'first', 'late']);
  });
});
