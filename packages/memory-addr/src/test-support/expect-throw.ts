import { expect } from 'vitest';

/** Asserts that `fn` throws an instance of `type` whose message contains every fragment. */
export function expectThrow(
  fn: () => unknown,
  type: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor,
  ...fragments: string[]
): void {
  let caught: unknown;
  let threw = false;
  try {
    fn();
  } catch (error) {
    threw = true;
    caught = error;
  }
  expect(threw, 'expected a throw').toBe(true);
  expect(caught).toBeInstanceOf(type);
  for (const fragment of fragments) expect((caught as Error).message).toContain(fragment);
}

/** Lets a test pass a value of the wrong type, as plain JavaScript callers can. */
export function untyped(value: unknown): never {
  return value as never;
}

/** Values that are not numbers, each with a fragment its error message must show. */
export const NOT_NUMBERS: readonly [unknown, string][] = [
  ['4096', '"4096"'],
  [4096n, '4096n'],
  [undefined, 'undefined'],
  [null, 'null'],
  [{}, 'object'],
  [true, 'true'],
];

/** Numbers that are not non-negative safe integers, each with the fragment its message shows. */
export const BAD_NATS: readonly [number, string][] = [
  [Number.NaN, 'NaN'],
  [Number.POSITIVE_INFINITY, 'Infinity'],
  [Number.NEGATIVE_INFINITY, '-Infinity'],
  [1.5, '1.5'],
  [-1, '-1'],
  [2 ** 53, '9007199254740992'],
];
