import { describe, expect, it } from 'vitest';
import { firstRedirectTarget, redirectTarget } from './redirect-target.js';

describe('redirectTarget', () => {
  it('keeps an absolute http(s) URL as it is', () => {
    expect(redirectTarget('https://www.delhivery.com/track/package/AWB123')).toBe('https://www.delhivery.com/track/package/AWB123');
    expect(redirectTarget('http://track.example/a?b=1#c')).toBe('http://track.example/a?b=1#c');
    // Already encoded: not encoded twice.
    expect(redirectTarget('https://x.example/a%20b')).toBe('https://x.example/a%20b');
  });

  it('makes a link a Location header can carry: no space, line break or non-ASCII character inside', () => {
    expect(redirectTarget('  https://x.example/a b?c=\n1  ')).toBe('https://x.example/a%20b?c=1');
    expect(redirectTarget('https://track.example/पैकेज')).toBe('https://track.example/%E0%A4%AA%E0%A5%88%E0%A4%95%E0%A5%87%E0%A4%9C');
  });

  it('gives a link without a scheme https, rather than a path on our own host', () => {
    expect(redirectTarget('www.delhivery.com/track/package/123')).toBe('https://www.delhivery.com/track/package/123');
    expect(redirectTarget('shiprocket.co/tracking/123')).toBe('https://shiprocket.co/tracking/123');
    expect(redirectTarget('//track.example/1')).toBe('https://track.example/1');
  });

  it('refuses what is no web page: other schemes, bare words, nothing', () => {
    expect(redirectTarget('javascript:alert(document.cookie)')).toBeNull();
    expect(redirectTarget('data:text/html,<script>1</script>')).toBeNull();
    expect(redirectTarget('AWB123456')).toBeNull();
    expect(redirectTarget('/orders/1')).toBeNull();
    expect(redirectTarget('   ')).toBeNull();
    expect(redirectTarget(null)).toBeNull();
  });

  it('takes the first usable candidate', () => {
    expect(firstRedirectTarget('javascript:x', null, 'https://shop.example/orders/1')).toBe('https://shop.example/orders/1');
    expect(firstRedirectTarget(null, undefined)).toBeNull();
  });
});
