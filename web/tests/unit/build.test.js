// What the build does to index.html (vite.config.js): the entry's stylesheet goes inline, with
// its URLs made absolute so that any page's address finds the files.
import { describe, it, expect } from 'vitest';
import { inlineStyles } from '../../vite.config.js';

const LINK = '<link rel="stylesheet" crossorigin href="/assets/index-AbC123.css">';

describe('index.html carries the entry stylesheet', () => {
  it('replaces the link by the stylesheet itself', () => {
    const html = `<head><script>boot();</script>\n    ${LINK}\n</head>`;
    const out = inlineStyles(html, (f) => (f === 'assets/index-AbC123.css' ? '.a{color:red}' : null));
    expect(out).toBe('<head><script>boot();</script>\n    <style>.a{color:red}</style>\n</head>');
  });

  it('makes relative URLs absolute, as from /inbox they would miss', () => {
    const out = inlineStyles(LINK, () => '@font-face{src:url(./vant-icon-X.woff2)}.b{background:url(/assets/y.svg)}');
    expect(out).toBe('<style>@font-face{src:url(/assets/vant-icon-X.woff2)}.b{background:url(/assets/y.svg)}</style>');
  });

  it('leaves the link when the file is unknown or would end the style element', () => {
    expect(inlineStyles(LINK, () => null)).toBe(LINK);
    expect(inlineStyles(LINK, () => '.c{content:"</style>"}')).toBe(LINK);
  });

  it('leaves other pages’ stylesheets as files', () => {
    const other = '<link rel="stylesheet" crossorigin href="/assets/phone-Q.css">';
    expect(inlineStyles(other, () => '.d{}')).toBe(other);
  });
});
