import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../../lambdas/core/report/html.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that can break out of text or a quoted attribute', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;');
  });

  it('leaves ordinary text, unicode included, alone', () => {
    expect(escapeHtml('recall ≥ 0.9 · Ölpumpe')).toBe('recall ≥ 0.9 · Ölpumpe');
  });
});

describe('html', () => {
  it('escapes interpolated strings and numbers but not the template', () => {
    const key = '"><img src=x onerror=alert(1)>';
    expect(html`<td title="${key}">${key}</td>`.toString()).toBe(
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>',
    );
    expect(html`<b>${0.5}</b>`.toString()).toBe('<b>0.5</b>');
  });

  it('nests SafeHtml without escaping it twice, and joins arrays', () => {
    const items = ['a<b', 'c&d'].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${items}</ul>`.toString()).toBe('<ul><li>a&lt;b</li><li>c&amp;d</li></ul>');
  });

  it('renders nothing for null, undefined and false', () => {
    expect(html`[${null}${undefined}${false}]`.toString()).toBe('[]');
  });

  it('passes trusted markup through as is', () => {
    expect(html`<div>${SafeHtml.trusted('<svg></svg>')}</div>`.toString()).toBe('<div><svg></svg></div>');
  });
});
