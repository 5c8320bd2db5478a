// A React component that also touches the DOM directly.
import React, { useEffect, useRef } from 'react';

export function Comment({ html, text }: { html: string; text: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (ref.current) {
      ref.current.innerHTML = html;  // ward-expect: javascript.dom-xss
      ref.current.innerHTML = '';
    }
  }, [html]);
  return <div ref={ref} title={text} />;
}
