import { describe, expect, test } from 'vitest';
import {
  isPageSize,
  PAGE_SHIFT,
  PAGE_SIZE_1G,
  PAGE_SIZE_2M,
  PAGE_SIZE_4K,
  PageSize,
} from './page-size.js';

describe('page sizes', () => {
  // SDM vol. 3A, 4.5: a PTE maps 4 KiB, a PDE with PS=1 maps 2 MiB, a PDPTE with PS=1 1 GiB.
  test('match the sizes the SDM gives', () => {
    expect(PAGE_SIZE_4K).toBe(4 * 1024);
    expect(PAGE_SIZE_2M).toBe(2 * 1024 * 1024);
    expect(PAGE_SIZE_1G).toBe(1024 * 1024 * 1024);
    expect(2 ** PAGE_SHIFT).toBe(4 * 1024);
  });

  test('PageSize names the same three values', () => {
    expect(PageSize).toEqual({ Size4K: 4096, Size2M: 2097152, Size1G: 1073741824 });
  });

  test.each([4096, 2097152, 1073741824])('isPageSize(%i) is true', (size) => {
    expect(isPageSize(size)).toBe(true);
  });

  test.each([0, 1, 2048, 8192, 4096.5, -4096, Number.NaN, '4096', 4096n, undefined, null])(
    'isPageSize(%s) is false',
    (value) => {
      expect(isPageSize(value)).toBe(false);
    },
  );
});
