import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatHex, parseHex, parseHex64 } from './hex.js';
import { arbNat, MAX_SAFE, refHexDigits, U64_MAX } from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, NOT_NUMBERS, untyped } from './test-support/expect-throw.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('formatHex', () => {
  test('examples', () => {
    // The form of the addresses in /proc/<pid>/maps.
    expect(formatHex(0x400000, { width: 8, prefix: false })).toBe('00400000');
    expect(formatHex(0x7ffff7fc3000, { width: 8, prefix: false })).toBe('7ffff7fc3000');
    expect(formatHex(0)).toBe('0x0');
    expect(formatHex(255)).toBe('0xff');
    expect(formatHex(0xabcdef)).toBe('0xabcdef');
    expect(formatHex(0x1000, { width: 8 })).toBe('0x00001000');
    expect(formatHex(0x12345, { width: 2 })).toBe('0x12345'); // never truncated
    expect(formatHex(0, { width: 0, prefix: false })).toBe('0');
    expect(formatHex(MAX)).toBe('0x1fffffffffffff');
    expect(formatHex(1, { width: 64, prefix: false })).toBe(`${'0'.repeat(63)}1`);
    expect(formatHex(0xffffffffff600000n, { prefix: false })).toBe('ffffffffff600000');
    expect(formatHex(2n ** 64n - 1n)).toBe('0xffffffffffffffff');
    expect(formatHex(0n, { width: 16 })).toBe('0x0000000000000000');
    expect(formatHex(0x1000, {})).toBe('0x1000');
    // Around the 24-bit chunks the number path prints separately.
    expect(formatHex(0xff_ffff)).toBe('0xffffff');
    expect(formatHex(0x100_0000)).toBe('0x1000000');
    expect(formatHex(0x100_0001)).toBe('0x1000001');
    expect(formatHex(0xffff_ffff_ffff)).toBe('0xffffffffffff');
    expect(formatHex(0x1_0000_0000_0000)).toBe('0x1000000000000');
    expect(formatHex(0x1_0000_0000_0001)).toBe('0x1000000000001');
    expect(formatHex(0x1_0000_0100_0000)).toBe('0x1000001000000');
  });

  test.each(NOT_NUMBERS.filter(([v]) => typeof v !== 'bigint'))(
    'value %s -> TypeError',
    (v, shown) => {
      expectThrow(() => formatHex(untyped(v)), TypeError, shown);
    },
  );
  test.each(BAD_NATS)('value %d -> RangeError', (v, shown) => {
    expectThrow(() => formatHex(v), RangeError, shown);
  });
  test('negative bigint -> RangeError', () => {
    expectThrow(() => formatHex(-1n), RangeError, '-1n');
  });
  test('bad width', () => {
    expectThrow(() => formatHex(1, { width: 65 }), RangeError, 'width', '65');
    expectThrow(() => formatHex(1, { width: -1 }), RangeError, 'width', '-1');
    expectThrow(() => formatHex(1, { width: 1.5 }), RangeError, 'width', '1.5');
    expectThrow(() => formatHex(1, { width: Number.NaN }), RangeError, 'width', 'NaN');
    expectThrow(() => formatHex(1, { width: untyped('8') }), TypeError, 'width', '"8"');
  });
  test('bad prefix and options', () => {
    expectThrow(() => formatHex(1, { prefix: untyped('no') }), TypeError, 'prefix', '"no"');
    expectThrow(() => formatHex(1, { prefix: untyped(0) }), TypeError, 'prefix', '0');
    expectThrow(() => formatHex(1, { prefix: untyped(null) }), TypeError, 'prefix', 'null');
    expectThrow(() => formatHex(1, { width: untyped(null) }), TypeError, 'width', 'null');
    expectThrow(() => formatHex(1, untyped(null)), TypeError, 'options', 'null');
    expectThrow(() => formatHex(1, untyped(8)), TypeError, 'options', '8');
  });

  test('digits match repeated division, padding and prefix as asked', () => {
    fc.assert(
      fc.property(
        fc.oneof(arbNat, fc.bigInt({ min: 0n, max: U64_MAX })),
        fc.integer({ min: 0, max: 64 }),
        fc.boolean(),
        (v, width, prefix) => {
          const digits = refHexDigits(BigInt(v));
          const padded = '0'.repeat(Math.max(0, width - digits.length)) + digits;
          expect(formatHex(v, { width, prefix })).toBe(prefix ? `0x${padded}` : padded);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

const MALFORMED = [
  '',
  '0x',
  '0X',
  'x10',
  '0x0x1',
  '-1',
  '+1',
  '-0x1',
  ' 1',
  '1 ',
  '1\n',
  '1_000',
  'g',
  '0o17',
  '1.5',
  '12h',
  '\uff11', // a full-width digit one
  '0x-1',
];

describe('parseHex', () => {
  test('examples', () => {
    expect(parseHex('0x400000')).toBe(0x400000);
    expect(parseHex('00400000')).toBe(0x400000);
    expect(parseHex('0X1F')).toBe(31);
    expect(parseHex('DeadBeef')).toBe(0xdeadbeef);
    expect(parseHex('0')).toBe(0);
    expect(parseHex('0x0')).toBe(0);
    expect(parseHex(`${'0'.repeat(40)}1`)).toBe(1);
    expect(parseHex('7fffffffffff')).toBe(2 ** 47 - 1);
    expect(parseHex('1fffffffffffff')).toBe(MAX);
    expect(parseHex('0x001fffffffffffff')).toBe(MAX);
  });
  test('values above 2^53 - 1 -> RangeError', () => {
    expectThrow(() => parseHex('20000000000000'), RangeError, '"20000000000000"', '2^53');
    expectThrow(() => parseHex('0x1fffffffffffff0'), RangeError, '2^53');
    expectThrow(() => parseHex('ffffffffffffffff'), RangeError, '"ffffffffffffffff"');
    expectThrow(() => parseHex('f'.repeat(300)), RangeError, '2^53');
  });
  test.each(MALFORMED)('malformed %j -> RangeError', (text) => {
    expectThrow(() => parseHex(text), RangeError, JSON.stringify(text));
  });
  test.each([
    [1, '1'],
    [1n, '1n'],
    [undefined, 'undefined'],
    [null, 'null'],
  ])('non-string %s -> TypeError', (v, shown) => {
    expectThrow(() => parseHex(untyped(v)), TypeError, shown);
  });
});

describe('parseHex64', () => {
  test('examples', () => {
    expect(parseHex64('ffffffffff600000')).toBe(0xffff_ffff_ff60_0000n);
    expect(parseHex64('0xFFFFFFFFFFFFFFFF')).toBe(U64_MAX);
    expect(parseHex64(`0x0000${'f'.repeat(16)}`)).toBe(U64_MAX);
    expect(parseHex64('0')).toBe(0n);
    expect(parseHex64('20000000000000')).toBe(2n ** 53n);
  });
  test('values above 2^64 - 1 -> RangeError', () => {
    expectThrow(() => parseHex64('0x10000000000000000'), RangeError, '"0x10000000000000000"', '64');
  });
  test.each(MALFORMED)('malformed %j -> RangeError', (text) => {
    expectThrow(() => parseHex64(text), RangeError, JSON.stringify(text));
  });
  test.each([
    [1, '1'],
    [1n, '1n'],
    [undefined, 'undefined'],
  ])('non-string %s -> TypeError', (v, shown) => {
    expectThrow(() => parseHex64(untyped(v)), TypeError, shown);
  });
});

describe('parsing against the BigInt reference', () => {
  const arbHexText = fc
    .tuple(
      fc.constantFrom('', '0x', '0X'),
      fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 1, maxLength: 20 }),
    )
    .map(([prefix, digits]) => prefix + digits.join(''));

  test('parseHex: the value, or RangeError exactly above 2^53 - 1', () => {
    fc.assert(
      fc.property(arbHexText, (text) => {
        const exact = BigInt(`0x${text.replace(/^0[xX]/, '')}`);
        if (exact > MAX_SAFE) expect(() => parseHex(text)).toThrow(RangeError);
        else expect(BigInt(parseHex(text))).toBe(exact);
      }),
      { numRuns: 3000 },
    );
  });

  test('parseHex64: the value, or RangeError exactly above 2^64 - 1', () => {
    fc.assert(
      fc.property(arbHexText, (text) => {
        const exact = BigInt(`0x${text.replace(/^0[xX]/, '')}`);
        if (exact > U64_MAX) expect(() => parseHex64(text)).toThrow(RangeError);
        else expect(parseHex64(text)).toBe(exact);
      }),
      { numRuns: 3000 },
    );
  });

  test('parseHex inverts formatHex', () => {
    fc.assert(
      fc.property(arbNat, fc.integer({ min: 0, max: 20 }), fc.boolean(), (v, width, prefix) => {
        expect(parseHex(formatHex(v, { width, prefix }))).toBe(v);
      }),
    );
  });
});
