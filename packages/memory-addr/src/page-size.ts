/** Size of a 4 KiB page or frame (SDM vol. 3, 4.5: a PTE maps 4 KiB). */
export const PAGE_SIZE_4K = 0x1000;
/** Size of a 2 MiB page (a PDE with PS=1 in 4-level or 5-level paging). */
export const PAGE_SIZE_2M = 0x20_0000;
/** Size of a 1 GiB page (a PDPTE with PS=1). */
export const PAGE_SIZE_1G = 0x4000_0000;
/** log2(4 KiB). */
export const PAGE_SHIFT = 12;

/** The three x86_64 page sizes, by name. */
export const PageSize = {
  Size4K: 0x1000,
  Size2M: 0x20_0000,
  Size1G: 0x4000_0000,
} as const;
export type PageSize = (typeof PageSize)[keyof typeof PageSize];

/** True when `value` is one of the three x86_64 page sizes. */
export function isPageSize(value: unknown): value is PageSize {
  return value === PAGE_SIZE_4K || value === PAGE_SIZE_2M || value === PAGE_SIZE_1G;
}
