import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arbU64, MAX_SAFE, U64_MAX } from './test-support/bigint-reference.js';
import { expectThrow, untyped } from './test-support/expect-throw.js';
import { joinU64, splitU64, u64ToNumber } from './u64.js';

describe('splitU64', () => {
  test('examples', () => {
    expect(splitU64(0x1234_5678_9abc_def0n)).toEqual({ hi: 0x1234_5678, lo: 0x9abc_def0 });
    expect(splitU64(U64_MAX)).toEqual({ hi: 0xffff_ffff, lo: 0xffff_ffff });
    expect(splitU64(0n)).toEqual({ hi: 0, lo: 0 });
    expect(splitU64(0x1_0000_0000n)).toEqual({ hi: 1, lo: 0 });
  });
  test('misuse', () => {
    expectThrow(() => splitU64(untyped(5)), TypeError, 'bigint', '5');
    expectThrow(() => splitU64(untyped('5')), TypeError, '"5"');
    expectThrow(() => splitU64(-1n), RangeError, '-1n');
    expectThrow(() => splitU64(2n ** 64n), RangeError, '18446744073709551616n');
  });
});

describe('joinU64', () => {
  test('examples', () => {
    expect(joinU64(0x1234_5678, 0x9abc_def0)).toBe(0x1234_5678_9abc_def0n);
    expect(joinU64(0xffff_ffff, 0xffff_ffff)).toBe(U64_MAX);
    expect(joinU64(0, 0)).toBe(0n);
    expect(joinU64(1, 0)).toBe(2n ** 32n);
  });
  test.each([
    ['hi', (v: unknown) => joinU64(untyped(v), 0)],
    ['lo', (v: unknown) => joinU64(0, untyped(v))],
  ] as const)('%s misuse', (name, call) => {
    expectThrow(() => call('1'), TypeError, name, '"1"');
    expectThrow(() => call(1n), TypeError, name, '1n');
    expectThrow(() => call(undefined), TypeError, name, 'undefined');
    expectThrow(() => call(-1), RangeError, name, '-1');
    expectThrow(() => call(2 ** 32), RangeError, name, '4294967296');
    expectThrow(() => call(1.5), RangeError, name, '1.5');
    expectThrow(() => call(Number.NaN), RangeError, name, 'NaN');
    expectThrow(() => call(Number.POSITIVE_INFINITY), RangeError, name, 'Infinity');
  });
});

describe('u64ToNumber', () => {
  test('examples', () => {
    expect(u64ToNumber(0n)).toBe(0);
    expect(u64ToNumber(0x7fff_ffff_f000n)).toBe(0x7fff_ffff_f000);
    expect(u64ToNumber(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
  });
  test('misuse and values past 2^53 - 1', () => {
    expectThrow(() => u64ToNumber(2n ** 53n), RangeError, '9007199254740992n');
    expectThrow(() => u64ToNumber(U64_MAX), RangeError, '18446744073709551615n');
    expectThrow(() => u64ToNumber(-1n), RangeError, '-1n');
    expectThrow(() => u64ToNumber(2n ** 64n), RangeError, '2^64');
    expectThrow(() => u64ToNumber(untyped(5)), TypeError, '5');
  });
});

describe('u64 helpers against the BigInt reference', () => {
  test('split gives the quotient and remainder by 2^32; join inverts it', () => {
    fc.assert(
      fc.property(arbU64, (v) => {
        const { hi, lo } = splitU64(v);
        expect(BigInt(hi)).toBe(v / 2n ** 32n);
        expect(BigInt(lo)).toBe(v % 2n ** 32n);
        expect(joinU64(hi, lo)).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });
  test('u64ToNumber is exact or throws', () => {
    fc.assert(
      fc.property(fc.oneof(arbU64, fc.bigInt({ min: 0n, max: MAX_SAFE + 10n })), (v) => {
        if (v > MAX_SAFE) expect(() => u64ToNumber(v)).toThrow(RangeError);
        else expect(BigInt(u64ToNumber(v))).toBe(v);
      }),
      { numRuns: 2000 },
    );
  });
});
