export { PAGE_SHIFT, PAGE_SIZE_1G, PAGE_SIZE_2M, PAGE_SIZE_4K, PageSize, isPageSize } from './page-size.js';
export { alignDown, alignUp, isAligned, isPowerOfTwo } from './align.js';
