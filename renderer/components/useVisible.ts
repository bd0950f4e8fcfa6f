import { useLayoutEffect, useState, type RefObject } from 'react';

const MARGIN = 100;

/** Whether the element is on screen: charts below the fold neither draw nor fetch until they are. */
export function useVisible(ref: RefObject<Element | null>): boolean {
  const [visible, setVisible] = useState(false);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    if (typeof IntersectionObserver === 'undefined') return setVisible(true);
    // On screen at mount: start now, not a frame later when the observer first reports.
    const box = element.getBoundingClientRect();
    if (box.bottom > -MARGIN && box.top < window.innerHeight + MARGIN) setVisible(true);
    const observer = new IntersectionObserver(([entry]) => setVisible(entry!.isIntersecting), { rootMargin: `${MARGIN}px` });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return visible;
}
